/**
 * `ecsnet sandbox kube` in the foreground: start the sandbox, write its kubeconfig, print where both
 * are, and serve until SIGINT or SIGTERM. The commander wiring lives in operator/cli/.
 */
import { loadCrdDir } from "./crd-files.js";
import { startKubeSandbox } from "./server.js";

/** Options of the foreground sandbox. */
export interface KubeSandboxForegroundOptions {
  /** Port on 127.0.0.1; 0 or undefined = ephemeral. */
  readonly port?: number;
  /** Folder of CRD manifests to register at start (e.g. "crds"); none when undefined. */
  readonly crdDir?: string;
  /** Where to write the kubeconfig; not written when undefined. */
  readonly kubeconfigPath?: string;
  /** Where the two lines go; default process.stdout. */
  readonly out?: (line: string) => void;
  /** Resolves when the sandbox should stop; default: the first SIGINT or SIGTERM. */
  readonly until?: Promise<unknown>;
}

function firstSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

/** Run until stopped; resolves after the server closed. Rejects when the CRDs or the port are unusable. */
export async function runKubeSandboxForeground(opts: KubeSandboxForegroundOptions = {}): Promise<void> {
  const out = opts.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const crds = opts.crdDir ? await loadCrdDir(opts.crdDir) : [];
  const sandbox = await startKubeSandbox({ port: opts.port ?? 0, crds });
  if (opts.kubeconfigPath) await sandbox.writeKubeconfig(opts.kubeconfigPath);
  out(`sandbox Kubernetes API listening on ${sandbox.url} (${crds.length} CRDs registered)`);
  out(
    opts.kubeconfigPath
      ? `kubeconfig written to ${opts.kubeconfigPath} (context ecsnet-sandbox)`
      : "kubeconfig:\n" + sandbox.kubeconfig,
  );
  await (opts.until ?? firstSignal());
  await sandbox.close();
}
