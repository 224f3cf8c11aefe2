/**
 * Shared setup of the kube adapter tests: a sandbox Kubernetes API with one tiny test CRD of the
 * ecsnet.dev group (defined here, so these tests do not depend on the product CRDs), a real
 * client-node KubeClient on it, and an `eventually` poller.
 */
import { KubeClient, loadKubeConfig, type KubeObject, type ResourceRef } from "../../../operator/kube/client.js";
import { startKubeSandbox, type KubeSandbox } from "../../../operator/sandbox/kube/server.js";

/** The test kind: namespaced, with a status subresource and a free-form spec. */
export const WIDGET: ResourceRef = {
  group: "ecsnet.dev",
  version: "v1alpha1",
  plural: "runtimewidgets",
  kind: "RuntimeWidget",
  namespaced: true,
};

const WIDGET_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `${WIDGET.plural}.${WIDGET.group}` },
  spec: {
    group: WIDGET.group,
    scope: "Namespaced",
    names: { plural: WIDGET.plural, singular: "runtimewidget", kind: WIDGET.kind, listKind: `${WIDGET.kind}List` },
    versions: [
      {
        name: WIDGET.version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: { size: { type: "integer" } } },
              status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            },
          },
        },
      },
    ],
  },
};

export interface World {
  readonly sandbox: KubeSandbox;
  readonly client: KubeClient;
  /** Create a widget in "default" with the given size and labels. */
  widget(name: string, size?: number, labels?: Record<string, string>): Promise<KubeObject>;
}

/** Start the sandbox with the test CRD; close it with `world.sandbox.close()` in afterAll. */
export async function startWorld(opts: { watchBookmarkIntervalMs?: number } = {}): Promise<World> {
  const sandbox = await startKubeSandbox({ port: 0, crds: [WIDGET_CRD], ...opts });
  const client = new KubeClient(loadKubeConfig({ yaml: sandbox.kubeconfig }));
  return {
    sandbox,
    client,
    widget: (name, size = 1, labels) =>
      client.create({
        resource: WIDGET,
        body: { metadata: { name, namespace: "default", ...(labels ? { labels } : {}) }, spec: { size } },
      }),
  };
}

/** Poll `check` every 20 ms until it holds; fail after `ms` (default 5 s) naming `what`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
}
