/**
 * The tenant boundary of AwsAccount (core/account-access.ts), as tables: which namespace and region may use
 * which account, and what a refusal may say (never the role ARN, the account id or the external id).
 */
import type { AwsAccountSpec } from "../../../operator/api/aws-account.js";
import {
  chooseAccountName,
  decideAccount,
  selectorMatches,
  type AccountQuestion,
} from "../../../operator/core/account-access.js";

const spec = (over: Partial<AwsAccountSpec> = {}): AwsAccountSpec => ({
  roleArn: "arn:aws:iam::222222222222:role/ecsnet-target",
  externalId: "secret-ext",
  regions: ["eu-west-1"],
  namespaces: { names: ["team-a"] },
  ...over,
});
const ask = (over: Partial<AccountQuestion> = {}): AccountQuestion => ({
  name: "team-a-prod",
  spec: spec(),
  namespace: { name: "team-a", labels: {} },
  region: "eu-west-1",
  ...over,
});

describe("decideAccount", () => {
  it("uses ecsnet's own credentials when the object names no account", () => {
    expect(decideAccount(ask({ name: undefined }))).toEqual({ ok: true, account: null });
  });

  it("allows a namespace named in spec.namespaces.names, in an allowed region, with the role's parameters", () => {
    expect(decideAccount(ask())).toEqual({
      ok: true,
      account: {
        name: "team-a-prod",
        roleArn: "arn:aws:iam::222222222222:role/ecsnet-target",
        externalId: "secret-ext",
        sessionName: "ecsnet-team-a-prod",
        durationSeconds: 3600,
      },
    });
  });

  it("allows a namespace whose labels match spec.namespaces.selector", () => {
    const d = decideAccount(
      ask({
        spec: spec({ namespaces: { selector: { matchLabels: { team: "a" } } } }),
        namespace: { name: "anything", labels: { team: "a" } },
      }),
    );
    expect(d.ok).toBe(true);
  });

  const refusals: [string, Partial<AccountQuestion>, string, RegExp][] = [
    ["refuses an account that does not exist", { spec: undefined }, "AccountNotFound", /does not exist/],
    [
      "refuses a namespace neither named nor selected, naming both rules",
      {
        spec: spec({ namespaces: { names: ["team-a"], selector: { matchLabels: { team: "a" } } } }),
        namespace: { name: "team-b", labels: { team: "b" } },
      },
      "AccountNotAllowed",
      /namespace "team-b": it is not listed in spec\.namespaces\.names and its labels do not match spec\.namespaces\.selector/,
    ],
    [
      "refuses every namespace when spec.namespaces allows none",
      { spec: spec({ namespaces: {} }) },
      "AccountNotAllowed",
      /spec\.namespaces allows no namespace/,
    ],
    [
      "refuses a region outside spec.regions, for an allowed namespace",
      { region: "us-east-1" },
      "RegionNotAllowed",
      /does not allow region us-east-1 \(spec\.regions: eu-west-1\)/,
    ],
  ];
  it.each(refusals)("%s", (_name, over, reason, message) => {
    const d = decideAccount(ask(over));
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.reason).toBe(reason);
    expect(d.message).toMatch(message);
    // What a refused namespace may read: never the role ARN, the account id or the external id.
    expect(d.message).not.toMatch(/222222222222|ecsnet-target|secret-ext|arn:/);
  });

  it("checks the namespace before the region: a refused namespace learns nothing of the allowed regions", () => {
    const d = decideAccount(ask({ namespace: { name: "intruder", labels: {} }, region: "us-east-1" }));
    expect(d).toMatchObject({ ok: false, reason: "AccountNotAllowed" });
    if (!d.ok) expect(d.message).not.toContain("eu-west-1");
  });
});

describe("chooseAccountName", () => {
  it.each([
    ["the object's own accountRef wins over the namespace label", "own", { "ecsnet.dev/aws-account": "ns" }, "own"],
    ["the namespace label applies when the object names none", undefined, { "ecsnet.dev/aws-account": "ns" }, "ns"],
    ["no reference and no label: ecsnet's own credentials", undefined, {}, undefined],
  ])("%s", (_name, ref, labels, expected) => {
    expect(chooseAccountName(ref, { name: "x", labels })).toBe(expected);
  });
});

describe("selectorMatches (metav1.LabelSelector)", () => {
  const labels = { team: "a", env: "prod" };
  it.each([
    ["an empty selector matches every namespace", {}, true],
    ["matchLabels needs every pair", { matchLabels: { team: "a", env: "dev" } }, false],
    [
      "In holds for a listed value",
      { matchExpressions: [{ key: "env", operator: "In" as const, values: ["prod"] }] },
      true,
    ],
    [
      "In fails for a missing key",
      { matchExpressions: [{ key: "tier", operator: "In" as const, values: ["x"] }] },
      false,
    ],
    [
      "NotIn holds for a missing key",
      { matchExpressions: [{ key: "tier", operator: "NotIn" as const, values: ["x"] }] },
      true,
    ],
    ["Exists needs the key", { matchExpressions: [{ key: "team", operator: "Exists" as const }] }, true],
    [
      "DoesNotExist fails for a present key",
      { matchExpressions: [{ key: "team", operator: "DoesNotExist" as const }] },
      false,
    ],
  ])("%s", (_name, selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});
