/**
 * The egress part of computeDesired: for egress mode NatGateway, the NAT gateways (one per AZ or a single
 * one), their Elastic IPs and each private route table's 0.0.0.0/0 route, with the issues that stop them
 * (a "public" subnet without an internet route, an AZ without a public subnet, too few given Elastic IPs).
 * Pure, like desired.ts.
 */
import type { Issues, NetworkSpec } from "./desired.js";
import type {
  DesiredElasticIp,
  DesiredNatGateway,
  DesiredRoute,
  Key,
  OwnerRef,
  SubnetInfo,
  Tags,
  Topology,
} from "./model.js";
import { key } from "./model.js";
import { clientToken } from "./ownership.js";

/**
 * NAT gateways, their Elastic IPs and the private route tables' default routes through them.
 * All three maps are empty for egress mode None and whenever a blocking issue stops egress; they never hold
 * a half set (a NAT without its EIP entry, or a route to a NAT key that is not desired).
 */
export interface DesiredEgress {
  /** Keyed `eip:<az>`; one per NAT. */
  readonly elasticIps: Map<Key, DesiredElasticIp>;
  /** Keyed `nat:<az>`; each names its public subnet and its EIP key. */
  readonly natGateways: Map<Key, DesiredNatGateway>;
  /** Keyed `route:<rtb>:0.0.0.0/0`; one per private route table, naming the NAT key it should point at. */
  readonly routes: Map<Key, DesiredRoute>;
}

/**
 * Egress through NAT gateways. OnePerAz: one NAT per AZ of the private subnets, in that AZ's public subnet
 * (the first one the spec lists there); Single: one NAT in the first public subnet. Each private route
 * table gets 0.0.0.0/0 → the NAT of its subnets' AZ (a table shared across AZs uses its lowest AZ's NAT,
 * with a note). Public subnets must be public: "NAT in a private subnet" is the classic silent failure.
 *
 * Returns empty maps (never throws) when egress is off or blocked; every problem is an issue on `issues`.
 * Never desires an allocation: a given EIP is referenced by id (`givenAllocationId`), and only NATs without
 * one get an EIP we allocate. The NAT's ClientToken hashes its subnet and EIP, so moving either yields a new
 * token instead of an `IdempotentParameterMismatch` (aws-facts §3.6, house rule 6).
 */
export function desiredEgress(
  spec: NetworkSpec,
  topo: Topology,
  owner: OwnerRef,
  privateSubnets: readonly SubnetInfo[],
  issues: Issues,
  tagsFor: (k: Key) => Tags,
): DesiredEgress {
  const out: DesiredEgress = { elasticIps: new Map(), natGateways: new Map(), routes: new Map() };
  const ng = spec.egress.natGateway;
  if (spec.egress.mode !== "NatGateway") return out;
  if (!ng) {
    issues.block("egress", "InvalidSpec", "egress.mode NatGateway needs egress.natGateway");
    return out;
  }
  // Check every given public subnet, in spec order (the order decides placement below).
  const byId = new Map(topo.subnets.map((s) => [s.id, s]));
  const publics: SubnetInfo[] = [];
  for (const id of ng.publicSubnetIds) {
    const s = byId.get(id);
    if (!s) issues.block(`subnet:${id}`, "SubnetNotFound", `public subnet ${id} is not in ${topo.vpcId}`);
    else if (!s.isPublic) {
      issues.block(
        `subnet:${id}`,
        "PublicSubnetHasNoInternetRoute",
        `subnet ${id} has no 0.0.0.0/0 route to an internet gateway: a NAT gateway there cannot reach the internet`,
      );
    } else publics.push(s);
  }
  // AZ → public subnet the NAT goes in.
  const placement = new Map<string, SubnetInfo>();
  if (ng.placement === "Single") {
    if (publics[0]) placement.set(publics[0].az, publics[0]);
  } else {
    for (const az of [...new Set(privateSubnets.map((s) => s.az))].sort()) {
      const pub = publics.find((p) => p.az === az);
      if (pub) placement.set(az, pub);
      else issues.block(`az:${az}`, "NoPublicSubnetInAz", `no usable public subnet in ${az} for its NAT gateway`);
    }
  }
  // Nothing placeable: every reason is already a blocking issue; no EIP, NAT or route is desired.
  if (placement.size === 0) return out;
  // Given EIPs are assigned to NATs in AZ order; fewer than NATs is an error, not a silent allocation.
  const given = ng.elasticIpAllocationIds;
  if (given && given.length < placement.size) {
    issues.block(
      "egress",
      "NotEnoughElasticIps",
      `${placement.size} NAT gateways need ${placement.size} Elastic IPs; ${given.length} given`,
    );
    return out;
  }
  [...placement.keys()].sort().forEach((az, i) => {
    const subnet = placement.get(az) as SubnetInfo;
    const eipKey = key(`eip:${az}`);
    const natKey = key(`nat:${az}`);
    const givenId = given?.[i];
    out.elasticIps.set(eipKey, {
      key: eipKey,
      ...(givenId ? { givenAllocationId: givenId } : {}),
      tags: tagsFor(eipKey),
    });
    // Hash the EIP key, not an allocation id, when we allocate: the id is unknown until AllocateAddress runs,
    // and the token must be the same before and after that allocation.
    const token = clientToken(owner.uid, natKey, { subnetId: subnet.id, eip: givenId ?? eipKey });
    out.natGateways.set(natKey, {
      key: natKey,
      az,
      subnetId: subnet.id,
      eipKey,
      tags: tagsFor(natKey),
      clientToken: token,
    });
  });
  const natAzs = [...placement.keys()].sort();
  // One default route per private route table, whichever of its subnets it serves.
  const tables = [...new Set(privateSubnets.map((s) => s.routeTableId))].sort();
  for (const rtb of tables) {
    const azs = [...new Set(privateSubnets.filter((s) => s.routeTableId === rtb).map((s) => s.az))].sort();
    const az = ng.placement === "Single" ? natAzs[0] : azs.find((a) => placement.has(a));
    if (az === undefined) continue; // its AZ has no NAT: already a blocking issue.
    if (ng.placement === "OnePerAz" && azs.length > 1) {
      issues.note(
        `rtb:${rtb}`,
        "RouteTableSharedAcrossAzs",
        `route table ${rtb} serves ${azs.join(", ")}: its egress uses the NAT in ${az}`,
      );
    }
    const k = key(`route:${rtb}:0.0.0.0/0`);
    out.routes.set(k, {
      key: k,
      routeTableId: rtb,
      destination: "0.0.0.0/0",
      natKey: key(`nat:${az}`),
      replaceExisting: ng.replaceExistingDefaultRoute,
    });
  }
  return out;
}
