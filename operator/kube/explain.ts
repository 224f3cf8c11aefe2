/**
 * Why a Kubernetes API call failed, for a person: the four ways `ecsnet run` cannot work at all (API server
 * unreachable, CRDs not installed, RBAC forbidden, the Lease's namespace missing), plus a generic rest, each
 * with the fix. Classified from the HTTP status and the metav1.Status body's `reason` and `details`, never
 * from message text; the server's own message is quoted only where it names who was refused what.
 */
import type { Problem } from "../runtime/health.js";
import { statusOf, type ResourceRef } from "./client.js";

/** Problem reasons this file produces. */
export const KubeProblemReason = {
  ApiServerUnreachable: "ApiServerUnreachable",
  Unauthorized: "Unauthorized",
  Forbidden: "Forbidden",
  CrdNotInstalled: "CrdNotInstalled",
  NamespaceMissing: "NamespaceMissing",
  ApiError: "ApiError",
} as const;
export type KubeProblemReason = (typeof KubeProblemReason)[keyof typeof KubeProblemReason];

/** What was being done when the call failed. */
export interface KubeCallContext {
  /** Kubernetes verb: get, list, watch, create, update, patch. */
  readonly verb: string;
  readonly resource: ResourceRef;
  /** The namespace of the request, if any. */
  readonly namespace?: string;
  /** The API server's URL, for the unreachable case. */
  readonly server?: string;
}

/** The metav1.Status fields we read. */
interface StatusBody {
  readonly reason?: string;
  readonly message?: string;
  readonly details?: { readonly kind?: string; readonly name?: string };
}

/** The metav1.Status body carried by a client-node error (or its cause), when there is one. */
function statusBody(err: unknown): StatusBody | undefined {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const body = (e as { body?: unknown }).body;
    if (body && typeof body === "object") return body as StatusBody;
    if (typeof body === "string" && body.startsWith("{")) {
      try {
        return JSON.parse(body) as StatusBody;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** A system error code (ECONNREFUSED, ENOTFOUND, ...) anywhere in the cause chain. */
function networkCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z_]+$|^UND_ERR/.test(code)) return code;
  }
  return undefined;
}

/** HTTP status of an error or of any error in its cause chain; 0 when no response came. */
function httpStatus(err: unknown): number {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const s = statusOf(e) || ((e as { status?: unknown }).status as number);
    if (typeof s === "number" && s > 0) return s;
  }
  return 0;
}

const qualified = (r: ResourceRef) => (r.group ? `${r.plural}.${r.group}` : r.plural);
const RBAC_FIX =
  "grant the operator's service account the ClusterRole and Role of deploy/rbac.yaml (kubectl apply -k deploy/)";

/** Explain a failed call; every outcome names the fix. */
export function explainKubeError(err: unknown, ctx: KubeCallContext): Problem {
  const what = `cannot ${ctx.verb} ${qualified(ctx.resource)}${ctx.namespace ? ` in namespace ${ctx.namespace}` : ""}`;
  const status = httpStatus(err);
  const body = statusBody(err);
  if (status === 0) {
    const code = networkCode(err) ?? (err instanceof Error ? err.message : String(err));
    return {
      reason: KubeProblemReason.ApiServerUnreachable,
      message: `${what}: the Kubernetes API server${ctx.server ? ` at ${ctx.server}` : ""} is unreachable (${code})`,
      fix: "check the kubeconfig (--kubeconfig, KUBECONFIG) or, in a cluster, that the API server is up and a NetworkPolicy allows egress to it",
    };
  }
  if (status === 401)
    return {
      reason: KubeProblemReason.Unauthorized,
      message: `${what}: the API server rejected the credentials (401)`,
      fix: "renew the kubeconfig's credentials, or check the pod's service account token",
    };
  if (status === 403)
    return {
      reason: KubeProblemReason.Forbidden,
      message: `${what}: forbidden${body?.message ? ` (${body.message})` : ""}`,
      fix: RBAC_FIX,
    };
  if (status === 404 && body?.details?.kind === "namespaces")
    return {
      reason: KubeProblemReason.NamespaceMissing,
      message: `${what}: namespace ${body.details.name ?? ctx.namespace ?? ""} does not exist`,
      fix:
        `create it (kubectl create namespace ${body.details.name ?? ctx.namespace ?? ""}) or point ecsnet at an ` +
        "existing one (--lease-namespace; in a cluster the pod's own namespace)",
    };
  // A 404 on a collection (list/watch) or with no object named in it: the type itself is not served.
  if (status === 404 && (ctx.verb === "list" || ctx.verb === "watch" || body?.details?.name === undefined))
    return {
      reason: KubeProblemReason.CrdNotInstalled,
      message: `${what}: the API server does not serve ${qualified(ctx.resource)}/${ctx.resource.version}`,
      fix: ctx.resource.group.endsWith("ecsnet.dev")
        ? "install the CRDs: kubectl apply -f crds/ (kubectl apply -k deploy/ installs them with the operator)"
        : `use a Kubernetes version that serves ${ctx.resource.group}/${ctx.resource.version}`,
    };
  return {
    reason: KubeProblemReason.ApiError,
    message: `${what}: HTTP ${status}${body?.reason ? ` ${body.reason}` : ""}${body?.message ? `: ${body.message}` : ""}`,
    fix: "retrying; if it persists, check the API server's health and logs",
  };
}

/** The `err` field to log beside a problem: status and code only, never a stack or an escaped body. */
export function briefError(err: unknown): { status: number; code?: string } {
  const code = networkCode(err);
  return { status: httpStatus(err), ...(code ? { code } : {}) };
}
