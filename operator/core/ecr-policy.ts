/**
 * Scoped VPC endpoint policies for pulling from ECR (aws-facts §3.2, §3.3), and a small evaluator that
 * answers "does this endpoint policy let a pull of that image through?" for the path checks.
 *
 * - `ecr.api` / `ecr.dkr`: `ecr:BatchCheckLayerAvailability`, `ecr:BatchGetImage`,
 *   `ecr:GetDownloadUrlForLayer` on exactly the listed repositories' ARNs, plus `ecr:GetAuthorizationToken`
 *   on `*` (it cannot be scoped to a repository, nor conditioned on the VPC).
 * - `s3` gateway: `s3:GetObject` on `arn:aws:s3:::prod-REGION-starport-layer-bucket/*`.
 * Every statement has `Principal: "*"` (IAM still applies to the caller). Output order is deterministic.
 */

/** An ECR repository: account (`*` = any), region, name (`team/web`). */
export interface RepositoryRef {
  readonly account: string;
  readonly region: string;
  readonly name: string;
}

/** One IAM policy statement, as plain JSON data. */
export type Statement = Readonly<Record<string, unknown>>;

/** The pull actions that act on a repository. */
export const ECR_PULL_ACTIONS = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:BatchGetImage",
  "ecr:GetDownloadUrlForLayer",
] as const;

/** The repository ARN of `repo` (`arn:aws:ecr:REGION:ACCOUNT:repository/NAME`). */
export const repositoryArn = (repo: RepositoryRef): string =>
  `arn:aws:ecr:${repo.region}:${repo.account}:repository/${repo.name}`;

/** The ECR layer bucket objects of `region` (aws-facts §3.3). */
export const layerBucketArn = (region: string): string => `arn:aws:s3:::prod-${region}-starport-layer-bucket/*`;

/** A stable 8-hex FNV-1a hash (pure; used to make Sids unique per contributor). */
function fnv8(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/**
 * The statements of the `ecr.api`/`ecr.dkr` policies for `repos`, contributed by `source` ("ns/name").
 * The pull statement's Sid carries a hash of `source` so several contributors' statements stay distinct;
 * the GetAuthorizationToken statement is the same for every contributor (Sid `EcsnetEcrAuthorizationToken`).
 */
export function ecrEndpointStatements(source: string, repos: readonly RepositoryRef[]): Statement[] {
  const arns = [...new Set(repos.map(repositoryArn))].sort();
  return [
    {
      Sid: `EcsnetEcrPull${fnv8(source)}`,
      Effect: "Allow",
      Principal: "*",
      Action: [...ECR_PULL_ACTIONS],
      Resource: arns,
    },
    {
      Sid: "EcsnetEcrAuthorizationToken",
      Effect: "Allow",
      Principal: "*",
      Action: "ecr:GetAuthorizationToken",
      Resource: "*",
    },
  ];
}

/** The S3 gateway statement ECR needs: `s3:GetObject` on the region's layer bucket. */
export function s3LayerStatements(region: string): Statement[] {
  return [
    {
      Sid: "EcsnetEcrLayers",
      Effect: "Allow",
      Principal: "*",
      Action: "s3:GetObject",
      Resource: layerBucketArn(region),
    },
  ];
}

/**
 * A policy document (`{"Version":"2012-10-17","Statement":[...]}`) as JSON text. Exact duplicate
 * statements are dropped; order is kept otherwise, so equal inputs give byte-equal documents.
 */
export function policyDocument(statements: readonly Statement[]): string {
  const seen = new Set<string>();
  const unique = statements.filter((s) => {
    const k = JSON.stringify(s);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return JSON.stringify({ Version: "2012-10-17", Statement: unique });
}

// ---------------------------------------------------------------------------------------------
// Evaluation (for checks): a deliberately small subset of IAM semantics.
// ---------------------------------------------------------------------------------------------

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** IAM wildcard match (`*` any run, `?` one character), case-insensitive for actions. */
function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const esc = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${esc}$`, ignoreCase ? "i" : "").test(value);
}

/** Does a statement's Action/NotAction and Resource/NotResource cover (action, resource)? */
function covers(st: Record<string, unknown>, action: string, resource: string): boolean {
  const actionOk =
    "NotAction" in st
      ? !asList(st.NotAction).some((p) => globMatch(p, action, true))
      : asList(st.Action).some((p) => globMatch(p, action, true));
  const resourceOk =
    "NotResource" in st
      ? !asList(st.NotResource).some((p) => globMatch(p, resource, false))
      : asList(st.Resource).some((p) => globMatch(p, resource, false));
  return actionOk && resourceOk;
}

/**
 * Would an endpoint policy allow `action` on `resource`? `null` (no policy) is AWS's default full access.
 * Principals are not evaluated (the caller's role is unknown here): any principal counts. A Deny without
 * a Condition wins; a Deny with a Condition is ignored and an Allow with a Condition counts, so the answer
 * errs towards "allowed" (checks never report a failure they cannot prove). Unparsable JSON → false.
 */
export function isAllowedByPolicy(policy: string | null, action: string, resource: string): boolean {
  if (policy === null || policy.trim() === "") return true;
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    return false;
  }
  const raw = (doc as { Statement?: unknown }).Statement;
  const statements = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Record<string, unknown>[];
  let allowed = false;
  for (const st of statements) {
    if (!covers(st, action, resource)) continue;
    if (st.Effect === "Deny" && st.Condition === undefined) return false;
    if (st.Effect === "Allow") allowed = true;
  }
  return allowed;
}
