/**
 * API calls share connections (kube/client.ts PooledKubeConfig): client-node 2 alone opens a new connection,
 * and with TLS a new handshake, for every request to a cluster with TLS settings. Counted at a plain HTTP
 * server on 127.0.0.1 answering List requests, reached through a kubeconfig with a TLS setting
 * (insecure-skip-tls-verify, as the sandbox's own kubeconfig has).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeClient, loadKubeConfig } from "../../../operator/kube/client.js";

const RESOURCE = { group: "ecsnet.dev", version: "v1alpha1", plural: "widgets", kind: "Widget", namespaced: true };
let server: Server;
let connections = 0;
let url = "";

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        apiVersion: "ecsnet.dev/v1alpha1",
        kind: "WidgetList",
        metadata: { resourceVersion: "7" },
        items: [],
      }),
    );
  });
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const kubeconfig = () => `
apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${url}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

it("twenty sequential calls share a connection pool instead of opening twenty connections", async () => {
  const client = new KubeClient(loadKubeConfig({ yaml: kubeconfig() }));
  connections = 0;
  for (let i = 0; i < 20; i++) expect((await client.list({ resource: RESOURCE })).resourceVersion).toBe("7");
  // One pool: undici may open a second socket while the first is still being released, never one per call
  // (client-node's own KubeConfig: 20).
  expect(connections).toBeLessThanOrEqual(2);
});
