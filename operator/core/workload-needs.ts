/**
 * What a set of ECS workloads needs from the network, derived purely from plain data: the images they
 * pull (and from where), the interface endpoints their task definitions imply, the subnets and security
 * groups their tasks run in, and one human reason per endpoint ("web uses awslogs").
 *
 * Rules (aws-facts §3.1), in one place:
 * - any private ECR image in the VPC's region → `ecr.api`, `ecr.dkr` and the `s3` gateway (layers live in S3);
 * - an ECR image in another region, ECR Public (`public.ecr.aws`), Docker Hub or any other registry →
 *   needs internet egress (endpoints never serve cross-region or non-ECR pulls);
 * - `awslogs` log driver → `logs`;
 * - a secret `valueFrom` `arn:aws:secretsmanager:…` → `secretsmanager`; `arn:aws:ssm:…` or a bare parameter
 *   name → `ssm` (a `/aws/reference/secretsmanager/…` parameter → both); private registry credentials →
 *   `secretsmanager`; environment files in S3 → the `s3` gateway;
 * - ECS Exec enabled → `ssmmessages`, and `kms` when the cluster's exec configuration names a KMS key;
 * - EC2 launch type or a non-Fargate capacity provider → `ecs`, `ecs-agent`, `ecs-telemetry`.
 *
 * KMS choice: whether a secret is encrypted with a customer managed key cannot be read from a task
 * definition, so `kms` is required only when a KMS key is referenced (exec configuration) or when the
 * caller passes `includeKms: true` (e.g. the user knows their secrets use a CMK).
 */
import type { EcrAccessSpec } from "../api/ecr-access.js";
import type { Contribution } from "./model.js";
import { ecrEndpointStatements, s3LayerStatements, type RepositoryRef } from "./ecr-policy.js";
import { cmp } from "./order.js";

/** Where an image comes from. `ecr` = private ECR; `ecr-public` = public.ecr.aws; `other` = Docker Hub, ghcr.io, ... */
export type Registry = "ecr" | "ecr-public" | "other";

/** A parsed container image reference. */
export interface ImageRef {
  /** The image string exactly as the task definition has it. */
  readonly image: string;
  readonly registry: Registry;
  /** Repository name (`team/web`), for every registry. */
  readonly repository?: string;
  /** ECR account id (private ECR only). */
  readonly account?: string;
  /** ECR region (private ECR only). */
  readonly region?: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** One container of a discovered task definition. */
export interface DiscoveredContainer {
  readonly name: string;
  readonly image: string;
  /** Log driver (`awslogs`, `awsfirelens`, ...), when configured. */
  readonly logDriver?: string;
  /** Every secret's `valueFrom` (container secrets and log-configuration secretOptions). */
  readonly secretRefs: readonly string[];
  /** `repositoryCredentials.credentialsParameter` (a Secrets Manager ARN) when the image needs registry auth. */
  readonly registryCredentials?: string;
  /** Environment files (`{ type: "s3", value: "arn:aws:s3:::bucket/key" }`). */
  readonly environmentFiles: readonly { readonly type: string; readonly value: string }[];
}

/** One ECS service with its current task definition, as discovery reads it. Plain data. */
export interface DiscoveredService {
  readonly name: string;
  readonly arn: string;
  /** `FARGATE` | `EC2` | `EXTERNAL`, when the service sets a launch type. */
  readonly launchType?: string;
  /** Capacity providers of the service's strategy (`FARGATE`, `FARGATE_SPOT`, or an ASG provider name). */
  readonly capacityProviders: readonly string[];
  readonly platformVersion?: string;
  readonly enableExecuteCommand: boolean;
  /** awsvpc subnets and security groups (empty for bridge/host network mode). */
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly taskDefinitionArn: string;
  readonly networkMode?: string;
  readonly containers: readonly DiscoveredContainer[];
}

/** What discovery found in one cluster. */
export interface DiscoveredWorkloads {
  readonly cluster: string;
  readonly services: readonly DiscoveredService[];
  /** Services asked for by name that the cluster does not have. */
  readonly missingServices: readonly string[];
  /** The KMS key of the cluster's ECS Exec configuration, when set. */
  readonly execKmsKeyId?: string;
}

/** Workloads named by repository only (EcrAccess `spec.repositories`): names or ECR repository ARNs. */
export interface RepositoryList {
  readonly repositories: readonly string[];
}

/** What the workloads need from the network. Every list is sorted and duplicate-free. */
export interface WorkloadNeeds {
  /** Short endpoint names, including `s3` for the S3 gateway endpoint. */
  readonly endpoints: readonly string[];
  readonly images: readonly ImageRef[];
  /** Images no VPC endpoint can serve: they need a NAT gateway (or other internet egress). */
  readonly needsInternet: readonly ImageRef[];
  /** ECR repositories pulled through the VPC's endpoints (same region). */
  readonly repositories: readonly RepositoryRef[];
  readonly taskSubnets: readonly string[];
  readonly taskSecurityGroups: readonly string[];
  /** Launch types in use (`FARGATE`, `EC2`). */
  readonly launchTypes: readonly ("FARGATE" | "EC2")[];
  /** Endpoint short name → why it is needed, e.g. `web uses awslogs`. */
  readonly reasons: Readonly<Record<string, string>>;
  /** Information for people (never an error): cross-region secrets, bridge-mode services, ... */
  readonly notes: readonly string[];
}

/** Options of {@link workloadNeeds}. */
export interface NeedsOptions {
  /** The VPC's region: ECR images and secrets elsewhere cannot use its endpoints. */
  readonly region: string;
  /** Account of bare repository names (default: `*`, any account). */
  readonly accountId?: string;
  /** Require `kms` (e.g. secrets encrypted with a customer managed key). Default false. */
  readonly includeKms?: boolean;
}

const ECR_PRIVATE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(.+)$/;
const ECR_REPO_ARN = /^arn:aws[a-z-]*:ecr:([a-z0-9-]+):(\d{12}):repository\/(.+)$/;
const EC2_ENDPOINTS = ["ecs", "ecs-agent", "ecs-telemetry"] as const;

/** Split `name[:tag][@digest]` (the tag colon is the last one after the last slash). */
function splitRef(rest: string): { repository: string; tag?: string; digest?: string } {
  const at = rest.indexOf("@");
  const digest = at >= 0 ? rest.slice(at + 1) : undefined;
  const named = at >= 0 ? rest.slice(0, at) : rest;
  const colon = named.lastIndexOf(":");
  const hasTag = colon > named.lastIndexOf("/");
  const repository = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : undefined;
  return { repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/**
 * Parse a container image reference. Never throws: anything not recognisably ECR is `other`.
 * Docker Hub short forms (`nginx`, `library/nginx:1`) get their repository without the registry host.
 */
export function parseImage(image: string): ImageRef {
  const ecr = ECR_PRIVATE.exec(image);
  if (ecr) {
    const [, account, region, rest] = ecr as unknown as [string, string, string, string];
    return { image, registry: "ecr", account, region, ...splitRef(rest) };
  }
  if (image.startsWith("public.ecr.aws/")) {
    return { image, registry: "ecr-public", ...splitRef(image.slice("public.ecr.aws/".length)) };
  }
  const first = image.split("/")[0] ?? "";
  const hasHost = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return { image, registry: "other", ...splitRef(hasHost ? image.slice(first.length + 1) : image) };
}

/**
 * Parse a repository given by name (`team/web`) or ARN (`arn:aws:ecr:REGION:ACCOUNT:repository/NAME`).
 * A bare name lives in `region` and `accountId` (`*` = any account, a valid IAM resource wildcard).
 */
export function parseRepository(nameOrArn: string, region: string, accountId = "*"): RepositoryRef {
  const arn = ECR_REPO_ARN.exec(nameOrArn);
  if (arn) {
    const [, r, account, name] = arn as unknown as [string, string, string, string];
    return { region: r, account, name };
  }
  return { region, account: accountId, name: nameOrArn };
}

/** True when `s` is a {@link DiscoveredWorkloads} rather than a repository list. */
const isDiscovered = (s: DiscoveredWorkloads | RepositoryList): s is DiscoveredWorkloads => "services" in s;

/** Does this service run (at least partly) on EC2 container instances? */
export function usesEc2(s: DiscoveredService): boolean {
  if (s.launchType === "EC2") return true;
  return s.capacityProviders.some((p) => p !== "FARGATE" && p !== "FARGATE_SPOT");
}

/** Does this service run on Fargate? */
function usesFargate(s: DiscoveredService): boolean {
  if (s.launchType === "FARGATE") return true;
  return s.capacityProviders.some((p) => p === "FARGATE" || p === "FARGATE_SPOT");
}

/** The region of an ARN (`arn:PARTITION:SERVICE:REGION:...`), or undefined. */
const arnRegion = (arn: string): string | undefined => (arn.startsWith("arn:") ? arn.split(":")[3] : undefined);

const uniqSorted = <T>(xs: Iterable<T>): T[] => [...new Set(xs)].sort();
const repoKey = (r: RepositoryRef): string => `${r.account}:${r.region}:${r.name}`;

/**
 * Derive what the workloads need. Pure and deterministic: the same input gives the same output,
 * with every list sorted. Never throws on odd input (unknown registries become `other`).
 */
export function workloadNeeds(source: DiscoveredWorkloads | RepositoryList, opts: NeedsOptions): WorkloadNeeds {
  const why = new Map<string, Set<string>>();
  const need = (endpoint: string, reason: string): void => {
    const set = why.get(endpoint) ?? new Set<string>();
    set.add(reason);
    why.set(endpoint, set);
  };
  const notes: string[] = [];
  const images: ImageRef[] = [];
  const needsInternet: ImageRef[] = [];
  const repos = new Map<string, RepositoryRef>();
  const launchTypes = new Set<"FARGATE" | "EC2">();
  const subnets = new Set<string>();
  const sgs = new Set<string>();

  const addEcr = (repo: RepositoryRef, who: string): void => {
    repos.set(repoKey(repo), repo);
    need("ecr.api", `${who} pulls ${repo.name} from ECR`);
    need("ecr.dkr", `${who} pulls ${repo.name} from ECR`);
    need("s3", `${who} pulls ${repo.name} from ECR (layers are stored in S3)`);
  };

  if (!isDiscovered(source)) {
    for (const r of source.repositories) {
      const repo = parseRepository(r, opts.region, opts.accountId);
      if (repo.region !== opts.region) {
        notes.push(`repository ${repo.name} is in ${repo.region}: endpoints in ${opts.region} cannot serve it`);
        continue;
      }
      addEcr(repo, "repositories list");
    }
  } else {
    for (const s of source.services) {
      const who = s.name;
      if (usesEc2(s)) {
        launchTypes.add("EC2");
        for (const e of EC2_ENDPOINTS) need(e, `${who} runs on EC2 container instances`);
      }
      if (usesFargate(s)) launchTypes.add("FARGATE");
      if (s.enableExecuteCommand) {
        need("ssmmessages", `${who} has ECS Exec enabled`);
        if (source.execKmsKeyId) need("kms", `${who} has ECS Exec enabled with KMS key ${source.execKmsKeyId}`);
      }
      if (s.subnets.length === 0)
        notes.push(`${who} is not in awsvpc network mode: its tasks use the instances' subnets`);
      for (const id of s.subnets) subnets.add(id);
      for (const id of s.securityGroups) sgs.add(id);
      for (const c of s.containers) {
        const img = parseImage(c.image);
        images.push(img);
        if (img.registry === "ecr" && img.region === opts.region && img.account && img.repository) {
          addEcr({ account: img.account, region: img.region, name: img.repository }, who);
        } else {
          needsInternet.push(img);
        }
        if (c.logDriver === "awslogs") need("logs", `${who} uses awslogs`);
        if (c.registryCredentials) need("secretsmanager", `${who} uses private registry credentials`);
        for (const f of c.environmentFiles) if (f.type === "s3") need("s3", `${who} loads environment files from S3`);
        for (const ref of c.secretRefs) {
          const region = arnRegion(ref);
          if (region !== undefined && region !== opts.region) {
            notes.push(`${who} reads ${ref} from ${region}: endpoints in ${opts.region} cannot serve it`);
            continue;
          }
          if (ref.startsWith("arn:") && ref.split(":")[2] === "secretsmanager") {
            need("secretsmanager", `${who} reads secrets from Secrets Manager`);
          } else if (!ref.startsWith("arn:") || ref.split(":")[2] === "ssm") {
            need("ssm", `${who} reads parameters from SSM Parameter Store`);
            if (ref.includes("/aws/reference/secretsmanager/"))
              need("secretsmanager", `${who} reads a Secrets Manager secret through Parameter Store`);
          }
        }
      }
    }
    for (const m of source.missingServices) notes.push(`service ${m} was not found in cluster ${source.cluster}`);
  }
  if (opts.includeKms) need("kms", "requested (secrets encrypted with a customer managed key)");

  const reasons: Record<string, string> = {};
  for (const e of uniqSorted(why.keys())) reasons[e] = [...(why.get(e) ?? [])].sort().join("; ");
  const byImage = (a: ImageRef, b: ImageRef): number => cmp(a.image, b.image);
  const dedupe = (xs: ImageRef[]): ImageRef[] => [...new Map(xs.map((i) => [i.image, i])).values()].sort(byImage);
  return {
    endpoints: uniqSorted(why.keys()),
    images: dedupe(images),
    needsInternet: dedupe(needsInternet),
    repositories: [...repos.values()].sort((a, b) => cmp(repoKey(a), repoKey(b))),
    taskSubnets: uniqSorted(subnets),
    taskSecurityGroups: uniqSorted(sgs),
    launchTypes: uniqSorted(launchTypes),
    reasons,
    notes: uniqSorted(notes),
  };
}

/** Options of {@link baselineNeeds}. */
export interface BaselineOptions {
  readonly launchTypes: readonly ("FARGATE" | "EC2")[];
  readonly taskSubnets: readonly string[];
  readonly taskSecurityGroups?: readonly string[];
}

/**
 * The needs of an unknown workload of the given launch types (what `ecsnet diagnose` checks without
 * `--cluster`): ECR images through `ecr.api`/`ecr.dkr`/`s3`, `awslogs` logging, and `ecs*` for EC2.
 * No images are known, so no endpoint policy is checked against images.
 */
export function baselineNeeds(opts: BaselineOptions): WorkloadNeeds {
  const reasons: Record<string, string> = {
    "ecr.api": "ECS tasks pull images from ECR",
    "ecr.dkr": "ECS tasks pull images from ECR",
    logs: "ECS tasks log with awslogs",
    s3: "ECR image layers are stored in S3",
  };
  if (opts.launchTypes.includes("EC2"))
    for (const e of EC2_ENDPOINTS) reasons[e] = "EC2 container instances register with the cluster";
  return {
    endpoints: Object.keys(reasons).sort(),
    images: [],
    needsInternet: [],
    repositories: [],
    taskSubnets: uniqSorted(opts.taskSubnets),
    taskSecurityGroups: uniqSorted(opts.taskSecurityGroups ?? []),
    launchTypes: uniqSorted(opts.launchTypes),
    reasons: Object.fromEntries(Object.entries(reasons).sort(([a], [b]) => cmp(a, b))),
    notes: [],
  };
}

/** Options of {@link toContribution}. */
export interface ContributionOptions {
  /** Scope the ecr.api/ecr.dkr/s3 endpoint policies to the repositories (EcrAccess `restrictEndpointPolicies`). */
  readonly restrictEndpointPolicies: boolean;
  readonly region: string;
}

/**
 * What an EcrAccess contributes to its PrivateEcsNetwork: the endpoints it needs (short names; `s3` means
 * the S3 gateway, which the network's `s3Gateway` governs) and, with
 * `restrictEndpointPolicies`, the policy statements of `ecr.api`, `ecr.dkr` and `s3`. The statements
 * that do not depend on the repositories (GetAuthorizationToken, the layer bucket) have fixed Sids and
 * equal content across contributions, so the union can drop exact duplicates.
 */
export function toContribution(source: string, needs: WorkloadNeeds, opts: ContributionOptions): Contribution {
  const endpoints = [...needs.endpoints];
  if (!opts.restrictEndpointPolicies || needs.repositories.length === 0)
    return { source, endpoints, policyStatements: {} };
  const ecr = ecrEndpointStatements(source, needs.repositories);
  return {
    source,
    endpoints,
    policyStatements: { "ecr.api": ecr, "ecr.dkr": ecr, s3: s3LayerStatements(opts.region) },
  };
}

/**
 * The needs of one EcrAccess: from `spec.repositories`, or from `discovered` (the result of discovering
 * `spec.ecs`; pass null when the spec names repositories). Throws when the spec names an ECS cluster but
 * `discovered` is null (the caller must discover first). Pure.
 */
export function ecrAccessNeeds(
  spec: EcrAccessSpec,
  discovered: DiscoveredWorkloads | null,
  opts: NeedsOptions,
): WorkloadNeeds {
  if (spec.repositories) return workloadNeeds({ repositories: spec.repositories }, opts);
  if (!discovered) throw new Error("cannot derive needs: spec.ecs is set but nothing was discovered");
  return workloadNeeds(discovered, opts);
}
