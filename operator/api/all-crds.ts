/**
 * Every CRD ecsnet serves, generated from operator/api/ (the one source of the schemas).
 * `ecsnet crds` prints them; crds/*.yaml are their committed copies (`npm run gen:crds`).
 */
import { ECSNET_CATEGORIES, toCrd, type CustomResourceDefinition } from "./crd.js";
import { awsAccountCrd } from "./aws-account.js";
import { ecrAccessCrd } from "./ecr-access.js";
import { Kinds } from "./group.js";
import {
  PrivateEcsNetworkSpecSchema,
  PrivateEcsNetworkStatusSchema,
  privateEcsNetworkPrinterColumns,
} from "./private-ecs-network.js";
import { cmp } from "../core/order.js";

/** The PrivateEcsNetwork CRD. */
export function privateEcsNetworkCrd(): CustomResourceDefinition {
  return toCrd(Kinds.PrivateEcsNetwork, {
    specSchema: PrivateEcsNetworkSpecSchema,
    statusSchema: PrivateEcsNetworkStatusSchema,
    printerColumns: privateEcsNetworkPrinterColumns,
    categories: ECSNET_CATEGORIES,
    description:
      "PrivateEcsNetwork declares the private ECS networking of one VPC: VPC endpoints, the S3 gateway endpoint " +
      "and its routes, the endpoints' security group, and optional NAT gateway egress. ecsnet keeps AWS that way.",
  });
}

/** Every CRD, in a stable order (by metadata.name). */
export function allCrds(): CustomResourceDefinition[] {
  return [privateEcsNetworkCrd(), ecrAccessCrd(), awsAccountCrd()].sort((a, b) =>
    cmp(a.metadata.name, b.metadata.name),
  );
}
