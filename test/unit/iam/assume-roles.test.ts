/**
 * The operator's own policy with AwsAccounts (`ecsnet iam-policy --assume-role`): sts:AssumeRole on exactly the
 * roles given, and no STS permission at all without them (docs/accounts.md).
 */
import { iamPolicy } from "../../../operator/iam/policy.js";
import { DEFAULT_FEATURES, PLACEHOLDER_SCOPE } from "../../../operator/iam/scope.js";

const stsStatements = (roles?: string[]) =>
  iamPolicy(PLACEHOLDER_SCOPE, { ...DEFAULT_FEATURES, ...(roles ? { assumeRoles: roles } : {}) }).Statement.filter(
    (s) => s.Action.some((a) => a.startsWith("sts:")),
  );

describe("sts:AssumeRole in the operator's policy", () => {
  it("grants nothing of STS when no AwsAccount role is given", () => {
    expect(stsStatements()).toEqual([]);
    expect(stsStatements([])).toEqual([]);
  });

  it("grants sts:AssumeRole on exactly the roles (or patterns) given, and nothing else of STS", () => {
    const roles = ["arn:aws:iam::222222222222:role/ecsnet-target", "arn:aws:iam::*:role/ecsnet-tenant-*"];
    expect(stsStatements(roles)).toEqual([
      { Sid: "AssumeAwsAccountRoles", Effect: "Allow", Action: ["sts:AssumeRole"], Resource: roles },
    ]);
  });
});
