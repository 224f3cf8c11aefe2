/**
 * An ECS-only sandbox endpoint on 127.0.0.1: a node:http server in front of `handleEcsRequest`.
 * The full AWS sandbox server (EC2 + ECS) is `startAwsSandbox()` in ../server.ts; this one serves
 * tests and tools that need ECS alone.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { handleEcsRequest } from "./http.js";
import type { EcsSandbox } from "./service.js";
import { createEcsSandbox } from "./service.js";

/** A running ECS-only endpoint. */
export interface EcsSandboxServer {
  /** Base URL, e.g. "http://127.0.0.1:43117", for the SDK's `endpoint`. */
  readonly endpoint: string;
  /** The in-process API behind it, for seeding and inspection. */
  readonly ecs: EcsSandbox;
  /** Stops listening and closes open connections; resolves when the server is closed. */
  close(): Promise<void>;
}

/**
 * Starts the endpoint on 127.0.0.1 (port 0 = an ephemeral port). Every request is answered as
 * ECS's JSON 1.1 protocol does, whatever its path. Defaults: us-east-1, account 000000000000,
 * the wall clock.
 */
export async function startEcsSandboxServer(
  opts: { port?: number; region?: string; accountId?: string; now?: () => number; ecs?: EcsSandbox } = {},
): Promise<EcsSandboxServer> {
  const ecs =
    opts.ecs ??
    createEcsSandbox({
      region: opts.region ?? "us-east-1",
      accountId: opts.accountId ?? "000000000000",
      now: opts.now ?? Date.now,
    });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = req.headers["x-amz-target"];
      const out = handleEcsRequest(
        ecs,
        Array.isArray(target) ? target[0] : target,
        Buffer.concat(chunks).toString("utf8"),
      );
      res.writeHead(out.status, out.headers).end(out.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    ecs,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
