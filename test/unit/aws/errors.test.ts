import { classifyAwsError } from "../../../operator/aws/errors.js";

/** An error shaped like an SDK ServiceException for an EC2 code. */
const awsError = (code: string, status = 400, fault: "client" | "server" = "client") =>
  Object.assign(new Error(`message that must not matter for ${code}`), {
    name: code,
    $fault: fault,
    $metadata: { httpStatusCode: status, requestId: `req-${code}` },
  });

describe("classifyAwsError", () => {
  const table: [string, string][] = [
    ["RequestLimitExceeded", "throttled"],
    ["Throttling", "throttled"],
    ["InvalidVpcEndpointId.NotFound", "notFound"],
    ["InvalidNatGatewayID.NotFound", "notFound"],
    ["InvalidAllocationID.NotFound", "notFound"],
    ["InvalidGroup.NotFound", "notFound"],
    ["InvalidRoute.NotFound", "notFound"],
    ["InvalidPermission.NotFound", "notFound"],
    ["InvalidPermission.Duplicate", "conflict"],
    ["RouteAlreadyExists", "conflict"],
    ["InvalidGroup.Duplicate", "conflict"],
    ["DependencyViolation", "conflict"],
    ["IncorrectState", "conflict"],
    ["InvalidIPAddress.InUse", "conflict"],
    ["IdempotentParameterMismatch", "terminal"],
    ["InvalidParameterValue", "terminal"],
    ["InvalidSubnetID.NotFound", "terminal"],
    ["InvalidVpcID.NotFound", "terminal"],
    ["DuplicateSubnetsInSameZone", "terminal"],
    ["UnauthorizedOperation", "terminal"],
    ["InvalidParameter", "terminal"],
    ["AddressLimitExceeded", "terminal"],
    ["NatGatewayLimitExceeded", "terminal"],
    ["VpcEndpointLimitExceeded", "terminal"],
    ["InternalError", "retryable"],
    ["Unavailable", "retryable"],
  ];

  it.each(table)("classifies %s as %s and keeps the code and request id", (code, cls) => {
    expect(classifyAwsError(awsError(code))).toEqual({
      class: cls,
      code,
      message: `message that must not matter for ${code}`,
      requestId: `req-${code}`,
    });
  });

  it("treats an unknown code answered with a 5xx as retryable", () => {
    expect(classifyAwsError(awsError("SomethingNew", 503, "server")).class).toBe("retryable");
  });

  it("treats an unknown code answered with a 4xx as terminal", () => {
    expect(classifyAwsError(awsError("SomethingNew", 400)).class).toBe("terminal");
  });

  it("treats a reset connection as retryable, named by its socket code", () => {
    const err = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(classifyAwsError(err)).toMatchObject({ class: "retryable", code: "ECONNRESET" });
  });

  it("treats an SDK request timeout as retryable", () => {
    const err = Object.assign(new Error("timed out"), { name: "TimeoutError" });
    expect(classifyAwsError(err).class).toBe("retryable");
  });

  it("does not look at the message: a throttling-sounding message with a terminal code stays terminal", () => {
    const err = Object.assign(awsError("InvalidParameterValue"), { message: "Request limit exceeded" });
    expect(classifyAwsError(err).class).toBe("terminal");
  });

  it("prefers an explicit Code field (per-item errors) over the error's name", () => {
    const err = Object.assign(new Error("gone"), {
      name: "UnsuccessfulItemError",
      Code: "InvalidVpcEndpointId.NotFound",
    });
    expect(classifyAwsError(err)).toMatchObject({ class: "notFound", code: "InvalidVpcEndpointId.NotFound" });
  });

  it("classifies a non-error value as terminal without throwing", () => {
    expect(classifyAwsError(undefined)).toMatchObject({ class: "terminal", code: "UnknownError" });
  });
});
