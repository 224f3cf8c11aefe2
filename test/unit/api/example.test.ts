/** The annotated example under deploy/examples/ must stay valid as the schema evolves. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
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
