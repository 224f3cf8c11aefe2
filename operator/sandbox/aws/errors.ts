/**
 * The errors the EC2 sandbox answers with. Handlers throw `Ec2ApiError`; the server renders it as EC2's
 * `<Response><Errors><Error><Code>…` document with the given HTTP status so the SDK raises `err.name === code`.
 */

/** An EC2 API error: `code` is AWS's error code, `status` the HTTP status (400 client, 5xx server/throttling). */
export class Ec2ApiError extends Error {
  override readonly name = "Ec2ApiError";
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** `X.NotFound` for a well-formed id that does not exist (e.g. `InvalidVpcID.NotFound`). */
export function notFound(code: string, id: string, what: string): Ec2ApiError {
  return new Ec2ApiError(code, `The ${what} ID '${id}' does not exist`);
}

/** `MissingParameter`: a required request parameter was absent. */
export function missing(name: string): Ec2ApiError {
  return new Ec2ApiError("MissingParameter", `The request must contain the parameter ${name}`);
}

/** `InvalidParameterValue` with AWS's wording for a bad value. */
export function invalidValue(name: string, value: unknown, why = ""): Ec2ApiError {
  return new Ec2ApiError(
    "InvalidParameterValue",
    `Value (${String(value)}) for parameter ${name} is invalid.${why && " " + why}`,
  );
}

/**
 * Id shape per resource prefix, and the code AWS gives for an id of the wrong shape. AWS gives
 * `<X>.Malformed` for most ids (e.g. `InvalidVpcID.Malformed`, `InvalidSubnetID.Malformed`) and
 * `InvalidParameterValue` for some (route tables, endpoints), see each entry.
 */
export const ID_KINDS = {
  vpc: { notFound: "InvalidVpcID.NotFound", malformed: "InvalidVpcID.Malformed", what: "vpc" },
  subnet: { notFound: "InvalidSubnetID.NotFound", malformed: "InvalidSubnetID.Malformed", what: "subnet" },
  igw: {
    notFound: "InvalidInternetGatewayID.NotFound",
    malformed: "InvalidInternetGatewayID.Malformed",
    what: "internetGateway",
  },
  rtb: { notFound: "InvalidRouteTableID.NotFound", malformed: "InvalidRouteTableID.Malformed", what: "routeTable" },
  rtbassoc: {
    notFound: "InvalidAssociationID.NotFound",
    malformed: "InvalidAssociationID.Malformed",
    what: "association",
  },
  eipalloc: {
    notFound: "InvalidAllocationID.NotFound",
    malformed: "InvalidAllocationID.Malformed",
    what: "allocation",
  },
  nat: { notFound: "NatGatewayNotFound", malformed: "NatGatewayMalformed", what: "nat gateway" },
  sg: { notFound: "InvalidGroup.NotFound", malformed: "InvalidGroupId.Malformed", what: "security group" },
  sgr: {
    notFound: "InvalidSecurityGroupRuleId.NotFound",
    malformed: "InvalidSecurityGroupRuleId.Malformed",
    what: "security group rule",
  },
  vpce: { notFound: "InvalidVpcEndpointId.NotFound", malformed: "InvalidVpcEndpointId.Malformed", what: "VpcEndpoint" },
  pl: { notFound: "InvalidPrefixListID.NotFound", malformed: "InvalidPrefixListID.Malformed", what: "prefix list" },
} as const;

/** A key of `ID_KINDS`, which is also the id prefix (`vpc-…`, `rtbassoc-…`). */
export type IdKind = keyof typeof ID_KINDS;

const ID_SHAPE = /^[a-z]+-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** Throws the Malformed error of `kind` unless `id` is `<kind>-` plus 8 or 17 hex digits. */
export function assertIdShape(kind: IdKind, id: string): void {
  if (!id.startsWith(`${kind}-`) || !ID_SHAPE.test(id)) {
    throw new Ec2ApiError(ID_KINDS[kind].malformed, `Invalid id: "${id}"`);
  }
}
