/** Every validation message names the offending value and, for a near miss, what was probably meant. */
import { didYouMean, validateSpec } from "../../../operator/api/validate.js";

const errorsOf = (spec: unknown) => {
  const r = validateSpec("PrivateEcsNetwork", spec);
  return r.ok ? [] : r.errors;
};
const minimal = () => ({ vpcId: "vpc-0123abcd", privateSubnets: { ids: ["subnet-0a1b2c3d"] } });

it("names the value that fails a pattern, an enum or a type", () => {
  const errors = errorsOf({
    vpcId: "vpc-XYZ",
    privateSubnets: { ids: ["subnet-0a1b2c3d"] },
    endpoints: { extra: ["Not A Name"], privateDns: "yes" },
    launchTypes: ["LAMBDA"],
  });
  expect(errors).toEqual(
    expect.arrayContaining([
      { path: "spec.vpcId", message: 'must be a vpc id like vpc-0123456789abcdef0, not "vpc-XYZ"' },
      { path: "spec.endpoints.extra[0]", message: expect.stringContaining('"Not A Name" does not match') },
      { path: "spec.endpoints.privateDns", message: 'must be boolean, not "yes"' },
      { path: "spec.launchTypes[0]", message: 'must be one of FARGATE, EC2, not "LAMBDA"' },
    ]),
  );
  expect(errors.map((e) => e.message).join("\n")).not.toMatch(/undefined/);
});

it("suggests the value or field that was probably meant", () => {
  const errors = errorsOf({
    ...minimal(),
    launchTypes: ["Fargate"],
    egress: { mode: "NatGateway", natGateway: { placement: "OnePerAZ", publicSubnetIds: ["subnet-0f0e0d0c"] } },
    deletePolicy: "Retain",
  });
  expect(errors).toEqual(
    expect.arrayContaining([
      { path: "spec.launchTypes[0]", message: 'must be one of FARGATE, EC2, not "Fargate" (did you mean FARGATE?)' },
      {
        path: "spec.egress.natGateway.placement",
        message: 'must be one of OnePerAz, Single, not "OnePerAZ" (did you mean OnePerAz?)',
      },
      { path: "spec.deletePolicy", message: "is not a known field (did you mean deletionPolicy?)" },
    ]),
  );
});

it("lists the known fields when nothing is close", () => {
  expect(errorsOf({ ...minimal(), colour: "blue" })).toContainEqual({
    path: "spec.colour",
    message: expect.stringMatching(/^is not a known field \(known fields: .*vpcId.*\)$/),
  });
});

it("reports every error at once: the schema's and the rules' of the parts that are well-formed", () => {
  const errors = errorsOf({
    vpcId: "vpc-XYZ",
    privateSubnets: { ids: ["subnet-0a1b2c3d"] },
    egress: { mode: "NatGateway" },
    securityGroup: { allowFromCidrs: ["0.0.0.0/0"] },
  });
  const paths = errors.map((e) => e.path);
  expect(paths).toContain("spec.vpcId");
  // CEL rules of other parts still run although vpcId is malformed.
  expect(errors.some((e) => e.path.startsWith("spec.egress"))).toBe(true);
  expect(errors.some((e) => e.path.startsWith("spec.securityGroup"))).toBe(true);
  expect(errors.map((e) => e.message).join("\n")).not.toMatch(/could not be evaluated/);
});

it("didYouMean matches separators and case first, then small edit distances, and nothing far away", () => {
  const endpoints = ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "ssmmessages"];
  expect(didYouMean("ecr-api", endpoints)).toBe("ecr.api");
  expect(didYouMean("ECR_DKR", endpoints)).toBe("ecr.dkr");
  expect(didYouMean("secretmanager", endpoints)).toBe("secretsmanager");
  expect(didYouMean("dynamodb", endpoints)).toBeUndefined();
  expect(didYouMean("ssm", endpoints)).toBeUndefined();
});
