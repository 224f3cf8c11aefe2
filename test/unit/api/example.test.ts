/** The annotated example under deploy/examples/ must stay valid as the schema evolves. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { validateAwsAccountSpec } from "../../../operator/api/aws-account.js";
import { decideAccount } from "../../../operator/core/account-access.js";
import { API_VERSION, Kinds } from "../../../operator/api/group.js";
import { validateSpec } from "../../../operator/api/validate.js";

const example = parse(readFileSync(join(process.cwd(), "deploy/examples/private-ecs-network.yaml"), "utf8")) as {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: unknown;
};

describe("deploy/examples/private-ecs-network.yaml", () => {
  it("is a PrivateEcsNetwork with a name and a namespace", () => {
    expect([example.apiVersion, example.kind]).toEqual([API_VERSION, Kinds.PrivateEcsNetwork.kind]);
    expect(example.metadata).toEqual({ name: "shop-prod", namespace: "platform" });
  });

  it("validates, and states every field it documents", () => {
    const r = validateSpec("PrivateEcsNetwork", example.spec);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.spec.egress.natGateway?.publicSubnetIds).toHaveLength(2);
    // Nothing was left to defaults: the example shows every top-level field.
    expect(Object.keys(example.spec as object).sort()).toEqual(Object.keys(r.spec).sort());
  });
});

describe("deploy/examples/aws-account.yaml", () => {
  const docs = parseAllDocuments(readFileSync(join(process.cwd(), "deploy/examples/aws-account.yaml"), "utf8")).map(
    (d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string }; spec: unknown },
  );

  it("is a cluster-scoped AwsAccount that validates, and a network in an allowed namespace naming it", () => {
    const [account, network] = docs;
    expect(account?.kind).toBe(Kinds.AwsAccount.kind);
    expect(account?.metadata.namespace).toBeUndefined();
    const a = validateAwsAccountSpec(account?.spec);
    if (!a.ok) throw new Error(JSON.stringify(a.errors));
    expect(network?.kind).toBe(Kinds.PrivateEcsNetwork.kind);
    const n = validateSpec("PrivateEcsNetwork", network?.spec);
    if (!n.ok) throw new Error(JSON.stringify(n.errors));
    expect(n.spec.accountRef?.name).toBe(account?.metadata.name);
    const d = decideAccount({
      name: n.spec.accountRef?.name,
      spec: a.spec,
      namespace: { name: network!.metadata.namespace!, labels: {} },
      region: n.spec.region!,
    });
    expect(d.ok).toBe(true);
  });
});
