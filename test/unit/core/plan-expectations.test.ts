import { describe, expect, it } from "@jest/globals";
import { computeDesired } from "../../../operator/core/desired.js";
import { key } from "../../../operator/core/model.js";
import { plan } from "../../../operator/core/plan.js";
import { withholdUnseen } from "../../../operator/core/plan-expectations.js";
import { aNetworkSpec, aTopology, natEgress, OWNER } from "../../fixtures/network.js";
import { emptyWorld, observe } from "../../fixtures/simulate.js";

const topology = aTopology({ privatePerAz: [1, 1], layout: "perSubnet", publicAzs: [0, 1] });
const d = computeDesired({
  owner: OWNER,
  spec: aNetworkSpec(topology, { egress: natEgress(topology) }),
  region: topology.region,
  topology,
  contributions: [],
});

describe("creates this process made but Describe does not list yet", () => {
  it("are withheld with everything that needs them, and reported pending", () => {
    const cold = plan(d, observe(emptyWorld(topology), OWNER));
    const eip = [...d.elasticIps.keys()][0]!;
    const p = withholdUnseen(cold, new Map([[eip, "eipalloc-0000000000000000a"]]));
    const gone = cold.actions.filter((a) => !p.actions.includes(a)).map((a) => `${a.kind}:${a.key}`);
    // The allocation and the NAT gateway made with it (by Ref); the other AZ's and the rest stay.
    expect(gone).toEqual([`AllocateAddress:${eip}`, expect.stringMatching(/^CreateNatGateway:nat:/)]);
    expect(p.pending.filter((x) => x.reason === "CreatedNotYetVisible").map((x) => x.key)).toEqual([eip]);
    expect(withholdUnseen(cold, new Map([[key("sg:none"), "sg-1"]]))).toBe(cold);
  });

  it("withholding the security group withholds its rules and every endpoint that carries it", () => {
    const cold = plan(d, observe(emptyWorld(topology), OWNER));
    const p = withholdUnseen(cold, new Map([[d.securityGroup.key, "sg-0000000000000000a"]]));
    expect(p.actions.map((a) => a.kind).filter((k) => /SecurityGroup|Ingress|InterfaceEndpoint/.test(k))).toEqual([]);
    expect(p.actions.some((a) => a.kind === "CreateGatewayEndpoint")).toBe(true);
  });
});
