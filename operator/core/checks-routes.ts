/**
 * The route links of the path checks: the S3 gateway endpoint (exists, on every task route table, policy
 * allows the ECR layer bucket) and internet egress (each task route table's 0.0.0.0/0 route, and that its
 * NAT gateway sits in a public subnet). Pure; `runChecks` (checks.ts) calls them.
 */
import type { SubnetInfo } from "./model.js";
import type { Check } from "./checks.js";
import { allEgress, egressOf, fail, findEndpoint, pass, symptom, uniq, type World } from "./checks-world.js";
import { isAllowedByPolicy, layerBucketArn } from "./ecr-policy.js";

/**
 * `s3-gateway`, then per task route table `s3-route:<rtb>`, then `s3-policy` when ECR images are pulled.
 * No gateway passes when egress carries the layers and no ECR endpoint exists (with ECR endpoints the
 * layers must come through the gateway, or they cost NAT traffic).
 *
 * ECR serves image layers from S3, and interface endpoints for S3 cannot be used with ECR, so only a
 * gateway endpoint with a route in each task route table does (aws-facts §3.1, §3.3). `ecrEndpointsExist`
 * tells whether the ECR endpoints are present: then registry calls stay private and only the layers would
 * leave through NAT, which is why a missing gateway fails even with egress. Per-table and policy checks run
 * only for an available gateway.
 */
export function checkS3(w: World, ecrEndpointsExist: boolean): Check[] {
  const gw = findEndpoint(w, "s3", "Gateway");
  const svc = `com.amazonaws.${w.region}.s3`;
  const tables = uniq(w.taskSubnets.map((s) => s.routeTableId)).sort();
  if (!gw || gw.state !== "available") {
    const eg = allEgress(w);
    if (!gw && eg.ok && !ecrEndpointsExist)
      return [pass("s3-gateway", undefined, `no S3 gateway endpoint; image layers come through ${eg.via.join(", ")}`)];
    return [
      fail(
        "s3-gateway",
        gw?.id ?? w.vpcId,
        gw ? "EndpointNotAvailable" : "S3GatewayMissing",
        gw
          ? `the S3 gateway endpoint ${gw.id} is ${gw.state}: ${symptom("s3")}`
          : `no S3 gateway endpoint in ${w.vpcId} (ECR keeps image layers in S3)${eg.ok ? `: layers go out through ${eg.via.join(", ")} (NAT cost)` : `: ${symptom("s3")}`}`,
        gw
          ? `wait until ${gw.id} is available`
          : `create a Gateway endpoint for ${svc} on route tables ${tables.join(", ") || "of the task subnets"} (interface endpoints for S3 do not work with ECR)`,
      ),
    ];
  }
  const out: Check[] = [pass("s3-gateway", gw.id, `${gw.id} is available`)];
  for (const rtb of tables) {
    const table = w.tables.get(rtb);
    // Associated on the endpoint, or seen as the prefix-list route AWS writes into the table for it (§3.6):
    // either one proves the path, and observation may have only one of them.
    const onTable = gw.routeTableIds.includes(rtb) || (table?.routes.some((r) => r.target.id === gw.id) ?? false);
    const subs = w.taskSubnets.filter((s) => s.routeTableId === rtb).map((s) => s.id);
    out.push(
      onTable
        ? pass(`s3-route:${rtb}`, rtb, `${rtb} routes S3 through ${gw.id}`)
        : fail(
            `s3-route:${rtb}`,
            rtb,
            "S3RouteMissing",
            `route table ${rtb} (task subnets ${subs.join(", ")}) has no route to the S3 gateway endpoint ${gw.id}: ${allEgress(w).ok ? "image layers go out through the NAT gateway (NAT cost)" : symptom("s3")}`,
            `associate ${rtb} with ${gw.id} (aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${gw.id} --add-route-table-ids ${rtb})`,
          ),
    );
  }
  // The policy matters only when ECR images are pulled; the minimum it must allow is s3:GetObject on the
  // region's layer bucket (aws-facts §3.3). A sample object ARN is probed, since the bucket ARN ends in "/*".
  if (w.input.needs.endpoints.includes("ecr.dkr") || w.input.needs.repositories.length > 0) {
    const probe = layerBucketArn(w.region).replace("/*", "/layer");
    out.push(
      isAllowedByPolicy(gw.policy, "s3:GetObject", probe)
        ? pass("s3-policy", gw.id, `the policy of ${gw.id} allows the ECR layer bucket`)
        : fail(
            "s3-policy",
            gw.id,
            "EndpointPolicyDenies",
            `the policy of ${gw.id} does not allow s3:GetObject on ${layerBucketArn(w.region)}: tasks will fail with CannotPullContainerError: ... AccessDenied`,
            `allow s3:GetObject on ${layerBucketArn(w.region)} (Principal "*") in the policy of ${gw.id}`,
          ),
    );
  }
  return out;
}

/**
 * `egress-route:<rtb>` per task route table, and `nat-placement:<nat>` once per NAT gateway used. A route
 * table is skipped when no NAT is wanted, no image needs the internet and it has no default route
 * (endpoints-only by design).
 *
 * Tables are checked through their first task subnet (all subnets of a table share its routes). A NAT in a
 * subnet without an internet gateway route is the classic silent failure: the route looks right but the NAT
 * has no way out, hence the separate `nat-placement` check. Each NAT is checked once, however many tables use it.
 */
export function checkEgress(w: World): Check[] {
  const natWanted = (w.input.network?.natGateways.size ?? 0) > 0;
  const internet = w.input.needs.needsInternet;
  const out: Check[] = [];
  const checkedNats = new Set<string>();
  for (const rtb of uniq(w.taskSubnets.map((s) => s.routeTableId)).sort()) {
    const subs = w.taskSubnets.filter((s) => s.routeTableId === rtb);
    const first = subs[0] as SubnetInfo;
    const def = w.tables.get(rtb)?.routes.find((r) => r.destination === "0.0.0.0/0");
    if (!natWanted && internet.length === 0 && !def) continue; // endpoints-only by design
    const eg = egressOf(w, first);
    const images = internet.length ? `; images ${internet.map((i) => i.image).join(", ")} need internet egress` : "";
    if (!eg.ok) {
      out.push(
        fail(
          `egress-route:${rtb}`,
          rtb,
          eg.reason ?? "NoEgress",
          `route table ${rtb} (task subnets ${subs.map((s) => s.id).join(", ")}) ${eg.problem}${images}${internet.length ? ": tasks will fail with CannotPullContainerError: ... request canceled while waiting for connection" : ""}`,
          `point 0.0.0.0/0 in ${rtb} at an available NAT gateway in a public subnet (or set the network's egress.mode: NatGateway)`,
        ),
      );
      continue;
    }
    out.push(pass(`egress-route:${rtb}`, rtb, `${rtb} reaches the internet through ${eg.via}`));
    if (eg.via?.startsWith("nat-") && !checkedNats.has(eg.via)) {
      checkedNats.add(eg.via);
      const nat = w.input.observed.natGateways.find((n) => n.id === eg.via);
      const natSubnet = nat ? w.subnets.get(nat.subnetId) : undefined;
      if (nat && natSubnet)
        out.push(
          natSubnet.isPublic
            ? pass(`nat-placement:${nat.id}`, nat.id, `${nat.id} is in public subnet ${natSubnet.id}`)
            : fail(
                `nat-placement:${nat.id}`,
                nat.id,
                "SubnetNotPublic",
                `NAT gateway ${nat.id} is in ${natSubnet.id}, whose route table ${natSubnet.routeTableId} has no route to an internet gateway: the NAT has no way out${images}`,
                `create the NAT gateway in a public subnet (route table with 0.0.0.0/0 to an internet gateway) and point ${rtb} at it`,
              ),
        );
    }
  }
  return out;
}
