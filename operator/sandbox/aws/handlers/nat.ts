/**
 * Elastic IPs and NAT gateways. NAT states advance with time (lifecycle.ts); a deleted NAT gateway keeps its
 * AllocationId and stays visible for a while (aws-facts 3.6); the EIP is in use (InvalidIPAddress.InUse on
 * release) until the NAT is deleted. CreateNatGateway honours ClientToken as EC2 documents it (see `createNat`).
 */
import type * as T from "@aws-sdk/client-ec2";
import { Ec2ApiError } from "../errors.js";
import { applyFilters, paginate, selectByIds } from "../filters.js";
import type { HandlerTable } from "../handler.js";
import { hostIp, lookup, op, required } from "../handler.js";
import { isNatLive, natState } from "../lifecycle.js";
import type { AddressRec, Ctx, NatRec } from "../state.js";
import {
  IDEMPOTENT_MISMATCH_MESSAGE,
  forget,
  isInvisible,
  newId,
  registerCreated,
  tagsOf,
  tokenKey,
} from "../state.js";

function natUsing(ctx: Ctx, allocationId: string): NatRec | undefined {
  return [...ctx.world.nats.values()].find((n) => n.allocationId === allocationId && !n.failure && isNatLive(ctx, n));
}

function addressView(ctx: Ctx, a: AddressRec): T.Address {
  const nat = natUsing(ctx, a.allocationId);
  return {
    AllocationId: a.allocationId,
    PublicIp: a.publicIp,
    Domain: "vpc",
    PublicIpv4Pool: "amazon",
    NetworkBorderGroup: ctx.region,
    AssociationId: nat ? `eipassoc-${nat.id.slice(4)}` : undefined,
    NetworkInterfaceId: nat ? `eni-${nat.id.slice(4)}` : undefined,
    NetworkInterfaceOwnerId: nat ? ctx.accountId : undefined,
    PrivateIpAddress: nat?.privateIp,
    Tags: tagsOf(ctx.world, a.allocationId),
  };
}

function allocateAddress(ctx: Ctx, i: T.AllocateAddressRequest): T.AllocateAddressResult {
  const id = newId(ctx, "eipalloc");
  const n = ctx.world.counter;
  const a: AddressRec = { allocationId: id, publicIp: `203.0.${113 + (Math.floor(n / 250) % 10)}.${(n % 250) + 1}` };
  ctx.world.addresses.set(id, a);
  registerCreated(ctx, id, "elastic-ip", i.TagSpecifications);
  return {
    AllocationId: id,
    PublicIp: a.publicIp,
    Domain: "vpc",
    PublicIpv4Pool: "amazon",
    NetworkBorderGroup: ctx.region,
  };
}

function releaseAddress(ctx: Ctx, i: T.ReleaseAddressRequest): object {
  const a = lookup(ctx, ctx.world.addresses, "eipalloc", i.AllocationId, "AllocationId");
  if (natUsing(ctx, a.allocationId))
    throw new Ec2ApiError("InvalidIPAddress.InUse", `Address ${a.publicIp} is in use.`);
  ctx.world.addresses.delete(a.allocationId);
  forget(ctx.world, a.allocationId);
  return {};
}

function describeAddresses(ctx: Ctx, i: T.DescribeAddressesRequest): T.DescribeAddressesResult {
  let items = selectByIds(
    ctx,
    ctx.world.addresses,
    i.AllocationIds,
    (ids) => new Ec2ApiError("InvalidAllocationID.NotFound", `The allocation IDs '${ids.join(", ")}' do not exist`),
  );
  if (i.PublicIps?.length) {
    const missing = i.PublicIps.filter((ip) => !items.some((a) => a.publicIp === ip));
    if (missing.length) throw new Ec2ApiError("InvalidAddress.NotFound", `Address '${missing[0]}' not found.`);
    items = items.filter((a) => i.PublicIps!.includes(a.publicIp));
  }
  const view = (a: AddressRec) => addressView(ctx, a);
  items = applyFilters(
    ctx,
    items,
    i.Filters,
    {
      "allocation-id": (a) => a.allocationId,
      "public-ip": (a) => a.publicIp,
      domain: () => "vpc",
      "association-id": (a) => view(a).AssociationId,
      "network-interface-id": (a) => view(a).NetworkInterfaceId,
      "private-ip-address": (a) => view(a).PrivateIpAddress,
      "network-border-group": () => ctx.region,
    },
    (a) => a.allocationId,
  );
  // Eventual consistency: a just-allocated address is missing from list answers for a while.
  if (!i.AllocationIds?.length) items = items.filter((a) => !isInvisible(ctx, a.allocationId));
  return { Addresses: items.map(view) };
}

function natView(ctx: Ctx, n: NatRec): T.NatGateway {
  const state = natState(ctx, n);
  const a = ctx.world.addresses.get(n.allocationId);
  return {
    NatGatewayId: n.id,
    VpcId: n.vpcId,
    SubnetId: n.subnetId,
    State: state,
    ConnectivityType: n.connectivity as T.ConnectivityType,
    CreateTime: new Date(n.born),
    DeleteTime:
      state === "deleted" && n.deleteAt !== undefined
        ? new Date(n.deleteAt + ctx.delays.natGatewayDeletedMs)
        : undefined,
    FailureCode: n.failure?.code,
    FailureMessage: n.failure?.message,
    Tags: tagsOf(ctx.world, n.id),
    NatGatewayAddresses: [
      {
        AllocationId: n.allocationId || undefined,
        PublicIp: a?.publicIp,
        PrivateIp: n.privateIp,
        NetworkInterfaceId: `eni-${n.id.slice(4)}`,
        AssociationId: isNatLive(ctx, n) && !n.failure ? `eipassoc-${n.id.slice(4)}` : undefined,
        IsPrimary: true,
        Status: (state === "deleted" || state === "failed"
          ? "disassociated"
          : state === "deleting"
            ? "disassociating"
            : state === "pending"
              ? "associating"
              : "succeeded") as T.NatGatewayAddressStatus,
      },
    ],
  };
}

function createNat(ctx: Ctx, i: T.CreateNatGatewayRequest): T.CreateNatGatewayResult {
  const s = lookup(ctx, ctx.world.subnets, "subnet", i.SubnetId, "SubnetId");
  const connectivity = i.ConnectivityType ?? "public";
  const allocationId = connectivity === "public" ? required(i.AllocationId, "AllocationId") : (i.AllocationId ?? "");
  const fingerprint = JSON.stringify([s.id, allocationId, connectivity]);
  // EC2 API idempotency (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html): the
  // same token and parameters return the original NAT gateway in its state now, `deleted` included, for as
  // long as the token is remembered (at least 24 hours after deletion, as Run_Instance_Idempotency says
  // of instances); other parameters → IdempotentParameterMismatch.
  const tk = i.ClientToken ? tokenKey(ctx, "CreateNatGateway", i.ClientToken) : undefined;
  const prior = tk ? ctx.world.tokens.get(tk) : undefined;
  if (prior) {
    if (prior.fingerprint !== fingerprint)
      throw new Ec2ApiError("IdempotentParameterMismatch", IDEMPOTENT_MISMATCH_MESSAGE);
    const n = ctx.world.nats.get(prior.id) ?? ctx.world.goneNats.get(prior.id);
    if (n) return { ClientToken: i.ClientToken, NatGateway: natView(ctx, n) };
  }
  if (allocationId) lookup(ctx, ctx.world.addresses, "eipalloc", allocationId, "AllocationId");
  const taken = allocationId ? natUsing(ctx, allocationId) : undefined;
  const index = [...ctx.world.nats.values()].filter((n) => n.subnetId === s.id).length;
  const n: NatRec = {
    id: newId(ctx, "nat"),
    vpcId: s.vpcId,
    subnetId: s.id,
    allocationId,
    privateIp: hostIp(s.cidr, 100 + index),
    connectivity,
    born: ctx.now(),
    createdAt: ctx.now(),
    failure: taken
      ? { code: "Resource.AlreadyAssociated", message: `Elastic IP address [${allocationId}] is already associated` }
      : undefined,
  };
  ctx.world.nats.set(n.id, n);
  registerCreated(ctx, n.id, "natgateway", i.TagSpecifications);
  if (tk) ctx.world.tokens.set(tk, { id: n.id, fingerprint });
  return { ClientToken: i.ClientToken, NatGateway: natView(ctx, n) };
}

function deleteNat(ctx: Ctx, i: T.DeleteNatGatewayRequest): T.DeleteNatGatewayResult {
  const id = required(i.NatGatewayId, "NatGatewayId");
  if (!/^nat-[0-9a-f]+$/.test(id)) throw new Ec2ApiError("InvalidParameter", `The NAT gateway ID '${id}' is malformed`);
  const n = ctx.world.nats.get(id);
  if (!n) throw new Ec2ApiError("NatGatewayNotFound", `The Nat Gateway ${id} was not found`);
  if (n.deleteAt === undefined) n.deleteAt = ctx.now();
  return { NatGatewayId: n.id };
}

function describeNats(ctx: Ctx, i: T.DescribeNatGatewaysRequest): T.DescribeNatGatewaysResult {
  let items: NatRec[];
  if (i.NatGatewayIds?.length) {
    const missing = i.NatGatewayIds.filter((id) => !ctx.world.nats.has(id) || isInvisible(ctx, id));
    if (missing.length) throw new Ec2ApiError("NatGatewayNotFound", `The Nat Gateway ${missing[0]} was not found`);
    items = selectByIds(ctx, ctx.world.nats, i.NatGatewayIds, () => new Ec2ApiError("NatGatewayNotFound", "not found"));
  } else items = [...ctx.world.nats.values()].filter((n) => !isInvisible(ctx, n.id));
  items = applyFilters(
    ctx,
    items,
    i.Filter,
    {
      "nat-gateway-id": (n) => n.id,
      state: (n) => natState(ctx, n),
      "subnet-id": (n) => n.subnetId,
      "vpc-id": (n) => n.vpcId,
    },
    (n) => n.id,
  );
  const { page, NextToken } = paginate(items, i.MaxResults, i.NextToken);
  return { NatGateways: page.map((n) => natView(ctx, n)), NextToken };
}

/** Elastic IP and NAT gateway operations. */
export const natHandlers: HandlerTable = {
  AllocateAddress: op(allocateAddress),
  ReleaseAddress: op(releaseAddress),
  DescribeAddresses: op(describeAddresses),
  CreateNatGateway: op(createNat),
  DeleteNatGateway: op(deleteNat),
  DescribeNatGateways: op(describeNats),
};
