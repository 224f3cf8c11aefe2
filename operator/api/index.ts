/**
 * The public API of ecsnet's kinds: schemas, their TypeScript types, validation and CRD generation.
 * (The only barrel in operator/: import the kinds from here or from the defining file.)
 */
export * from "./group.js";
export * from "./conditions.js";
export * from "./schema-helpers.js";
export * from "./private-ecs-network.js";
export * from "./ecr-access.js";
export * from "./aws-account.js";
export * from "./crd.js";
export * from "./all-crds.js";
export * from "./validate.js";
