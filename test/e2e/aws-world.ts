/**
 * What the e2e suite reads from AWS (through the real SDK, on the world's endpoint) and the manifests it
 * applies. Everything here asserts the state of the world, owned or not, never the calls that made it.
 */
import {
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcEndpointsCommand,
  type Address,
  type NatGateway,
  type RouteTable,
  type SecurityGroup,
  type Tag,
  type VpcEndpoint,
} from "@aws-sdk/client-ec2";
import { TagKey } from "../../operator/api/group.js";
import type { KubeObject } from "../../operator/kube/client.js";
import type { TwoAzVpc } from "../helpers/aws-sandbox.js";
import { PEN, conditionOf, eventually, type E2eWorld } from "../helpers/operator.js";

/** True when `tags` carry the owner-uid tag of `uid`. */
export const ownedBy = (tags: readonly Tag[] | undefined, uid: string): boolean =>
  (tags ?? []).some((t) => t.Key === TagKey.OwnerUid && t.Value === uid);

/** The live view of one VPC: what exists now, and what of it a given owner uid owns. */
export interface VpcView {
  readonly endpoints: VpcEndpoint[];
  readonly natGateways: NatGateway[];
  readonly routeTables: RouteTable[];
  readonly securityGroups: SecurityGroup[];
  readonly addresses: Address[];
}

/**
 * Read the VPC now. Deleted endpoints and NAT gateways are left out (AWS lists them for a while), and so are
 * those being deleted unless `includeDeleting`.
 */
export async function viewVpc(world: E2eWorld, vpcId: string, o: { includeDeleting?: boolean } = {}): Promise<VpcView> {
  const gone = o.includeDeleting ? ["deleted"] : ["deleted", "deleting"];
  const vpc = [{ Name: "vpc-id", Values: [vpcId] }];
  const [e, n, r, s, a] = await Promise.all([
    world.ec2.send(new DescribeVpcEndpointsCommand({ Filters: vpc })),
    world.ec2.send(new DescribeNatGatewaysCommand({ Filter: vpc })),
    world.ec2.send(new DescribeRouteTablesCommand({ Filters: vpc })),
    world.ec2.send(new DescribeSecurityGroupsCommand({ Filters: vpc })),
    world.ec2.send(new DescribeAddressesCommand({})),
  ]);
  return {
    endpoints: (e.VpcEndpoints ?? []).filter((x) => !gone.includes(String(x.State).toLowerCase())),
    natGateways: (n.NatGateways ?? []).filter((x) => !gone.includes(String(x.State))),
    routeTables: r.RouteTables ?? [],
    securityGroups: s.SecurityGroups ?? [],
    addresses: a.Addresses ?? [],
  };
}

/** What `uid` owns in the view (by owner tag). */
export function owned(view: VpcView, uid: string) {
  return {
    endpoints: view.endpoints.filter((x) => ownedBy(x.Tags, uid)),
    natGateways: view.natGateways.filter((x) => ownedBy(x.Tags, uid)),
    securityGroups: view.securityGroups.filter((x) => ownedBy(x.Tags, uid)),
    addresses: view.addresses.filter((x) => ownedBy(x.Tags, uid)),
  };
}

/** The short service name of an endpoint (`com.amazonaws.us-east-1.ecr.dkr` → `ecr.dkr`). */
export const shortName = (e: VpcEndpoint, region: string): string =>
  (e.ServiceName ?? "").replace(`com.amazonaws.${region}.`, "");

/** The 0.0.0.0/0 route of a route table, if any. */
export function defaultRoute(view: VpcView, routeTableId: string) {
  return view.routeTables
    .find((t) => t.RouteTableId === routeTableId)
    ?.Routes?.find((r) => r.DestinationCidrBlock === "0.0.0.0/0");
}

/** Options of {@link networkManifest}. */
export interface NetworkOptions {
  readonly egress?: "None" | "NatGateway";
  readonly extra?: readonly string[];
  readonly deletionPolicy?: "Delete" | "Retain";
  readonly privateSubnetIds?: readonly string[];
}

/** A PrivateEcsNetwork for `vpc` in the world's namespace. */
export function networkManifest(world: E2eWorld, name: string, vpc: TwoAzVpc, o: NetworkOptions = {}): KubeObject {
  const egress =
    o.egress === "NatGateway"
      ? { mode: "NatGateway", natGateway: { placement: "OnePerAz", publicSubnetIds: vpc.publicSubnetIds } }
      : { mode: "None" };
  return {
    apiVersion: `${PEN.group}/${PEN.version}`,
    kind: PEN.kind,
    metadata: { name, namespace: world.namespace },
    spec: {
      vpcId: vpc.vpcId,
      region: world.region,
      privateSubnets: { ids: o.privateSubnetIds ?? vpc.privateSubnetIds },
      endpoints: { extra: o.extra ?? [] },
      egress,
      deletionPolicy: o.deletionPolicy ?? "Delete",
    },
  } as KubeObject;
}

/** A PrivateEcsNetwork as read back. */
export type NetworkObject = KubeObject & {
  spec: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    securityGroupId?: string;
    s3GatewayEndpointId?: string;
    endpoints?: { service: string; id: string; state: string; privateDns: boolean }[];
    natGateways?: { az: string; id: string; state: string }[];
    routes?: { routeTableId: string; target: string; state: string }[];
    readyEndpoints?: string;
    conditions?: { type: string; status: string; reason: string; message: string; observedGeneration: number }[];
  };
};

/** Read a network, or undefined when it does not exist. */
export const getNetwork = (world: E2eWorld, name: string): Promise<NetworkObject | undefined> =>
  world.kube.get<NetworkObject>({ resource: PEN, namespace: world.namespace, name });

/** Wait until the network `name` is Ready=True at `generation` (default: its current one); returns it. */
export async function readyNetwork(world: E2eWorld, name: string, generation?: number): Promise<NetworkObject> {
  return eventually(
    async () => {
      const n = await getNetwork(world, name);
      const gen = generation ?? n?.metadata.generation;
      if (!n || conditionOf(n, "Ready")?.status !== "True" || n.status?.observedGeneration !== gen)
        throw new Error(`not Ready at generation ${gen}: ${JSON.stringify(n?.status?.conditions ?? null)}`);
      return n;
    },
    { what: `${name} is Ready` },
  );
}
