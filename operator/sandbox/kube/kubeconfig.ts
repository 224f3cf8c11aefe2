/**
 * The kubeconfig for a sandbox: one cluster (the sandbox URL, plain http on 127.0.0.1), one user with
 * a static token the sandbox ignores, and the context "ecsnet-sandbox" as the current one.
 * `insecure-skip-tls-verify` is set because client-node refuses an http server otherwise; nothing is
 * encrypted or verified on this loopback-only server.
 */
import { writeFile } from "node:fs/promises";
import { stringify } from "yaml";

/** The context name every sandbox kubeconfig uses. */
export const SANDBOX_CONTEXT = "ecsnet-sandbox";

/** YAML text of a kubeconfig that points at `url`. */
export function kubeconfigFor(url: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    // client-node refuses plain http unless the cluster skips TLS verification (there is no TLS here)
    clusters: [{ name: SANDBOX_CONTEXT, cluster: { server: url, "insecure-skip-tls-verify": true } }],
    users: [{ name: SANDBOX_CONTEXT, user: { token: "ecsnet-sandbox-ignores-this-token" } }],
    contexts: [
      { name: SANDBOX_CONTEXT, context: { cluster: SANDBOX_CONTEXT, user: SANDBOX_CONTEXT, namespace: "default" } },
    ],
    "current-context": SANDBOX_CONTEXT,
    preferences: {},
  });
}

/** Write the kubeconfig to `path` (mode 0600, as kubectl writes its own). */
export async function writeKubeconfigFile(path: string, url: string): Promise<void> {
  await writeFile(path, kubeconfigFor(url), { mode: 0o600 });
}
