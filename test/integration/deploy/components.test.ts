/**
 * deploy/components/*: each rendered with `kubectl kustomize` on top of deploy/ (as an overlay would) and its
 * objects checked against the base and the code: selectors that select, ports that exist, flags `ecsnet run`
 * accepts, settings config.ts parses, alert expressions over metrics ecsnet exports. The Flux example is
 * rendered the way Flux's kustomize-controller builds it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { runCommand } from "../../../operator/cli/run.js";
import { loadConfig } from "../../../operator/config.js";
import { createMetrics } from "../../../operator/observability/metrics.js";
import { hasKubectl } from "../../helpers/tools.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const ROOT = resolve(".");

/** Render deploy/ (or `path`) with `components` in a throwaway overlay, namespaced like the base. */
function render(components: string[], o: { path?: string; namespace?: string } = {}): Obj[] {
  const dir = mkdtempSync(join(tmpdir(), "ecsnet-kustomize-"));
  const rel = (p: string) => relative(dir, join(ROOT, p));
  const base = o.path ?? "deploy";
  writeFileSync(
    join(dir, "kustomization.yaml"),
    stringify({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      namespace: o.namespace ?? "ecsnet-system",
      resources: [rel(base)],
      components: components.map((c) => rel(join(base, c))),
    }),
  );
  const out = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
  return parseAllDocuments(out).map((d) => d.toJS() as Obj);
}

const find = (objs: Obj[], kind: string, name?: string) => {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind}${name ? `/${name}` : ""} in the render`);
  return o;
};
const deployment = (objs: Obj[]) => find(objs, "Deployment", "ecsnet");
const container = (objs: Obj[]) => deployment(objs).spec.template.spec.containers[0] as Obj;
const podLabels = (objs: Obj[]) => deployment(objs).spec.template.metadata.labels as Record<string, string>;
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
const mib = (q: string) => {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  return Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
};
const CLUSTER_SCOPED = new Set(["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"]);

(hasKubectl ? describe : describe.skip)("deploy/ and its components [skipped without kubectl]", () => {
  describe("the base", () => {
    const objs = render([]);
    it("hard-codes no region and does not expose metrics beyond the pod", () => {
      const c = container(objs);
      expect((c.env as Obj[]).map((e) => e.name)).not.toContain("AWS_REGION");
      expect(c.args).not.toContain("--metrics-access");
      expect(deployment(objs).spec.template.metadata.annotations ?? {}).not.toHaveProperty("prometheus.io/scrape");
      expect(find(objs, "ServiceAccount", "ecsnet").metadata.annotations ?? {}).toEqual({});
    });

    it("requests the memory the benchmark measured (docs/deploy.md) and limits above the largest size", () => {
      const table = readFileSync("docs/deploy.md", "utf8").match(/^\|\s*(\d+)\s*\|\s*([\d.]+) MiB\s*\|/gm) ?? [];
      const rss = table.map((row) => Number(/\|\s*\d+\s*\|\s*([\d.]+)/.exec(row)![1]));
      expect(rss.length).toBeGreaterThanOrEqual(3);
      const { requests, limits } = container(objs).resources as { requests: Obj; limits: Obj };
      // The request covers an idle operator and a few networks; the limit the largest measured size.
      expect(mib(requests.memory)).toBeGreaterThanOrEqual(Math.min(...rss) * 1.2);
      expect(mib(limits.memory)).toBeGreaterThanOrEqual(Math.max(...rss) * 1.5);
    });
  });

  describe("components/metrics", () => {
    const objs = render(["components/metrics"]);
    it("exposes /metrics to other pods through a Service that selects the pods' named port", () => {
      const args = container(objs).args as string[];
      expect(args.slice(args.indexOf("--metrics-access"))).toEqual(["--metrics-access", "any"]);
      expect(runCommand().parseOptions(args.slice(1)).unknown).toEqual([]);
      const svc = find(objs, "Service", "ecsnet-metrics");
      expect(selects(svc.spec.selector, podLabels(objs))).toBe(true);
      const portNames = (container(objs).ports as Obj[]).map((p) => p.name);
      expect(portNames).toContain(svc.spec.ports[0].targetPort);
      const sm = find(objs, "ServiceMonitor", "ecsnet");
      expect(selects(sm.spec.selector.matchLabels, svc.metadata.labels)).toBe(true);
      expect(sm.spec.endpoints[0].port).toBe(svc.spec.ports[0].name);
      expect(sm.metadata.namespace).toBe("ecsnet-system");
    });

    it("alerts on reconcile errors, Stalled objects, failing repairs and sweeps, AWS throttling and no leader, over metrics ecsnet exports", async () => {
      const rules = find(objs, "PrometheusRule", "ecsnet").spec.groups.flatMap((g: Obj) => g.rules) as Obj[];
      expect(rules.map((r) => r.alert).sort()).toEqual([
        "EcsnetAwsThrottled",
        "EcsnetDriftRepairsFailing",
        "EcsnetDriftSweepFailing",
        "EcsnetNoLeader",
        "EcsnetObjectsStalled",
        "EcsnetReconcileErrors",
      ]);
      const metrics = createMetrics(undefined, { defaultMetrics: false });
      metrics.observeObjects("PrivateEcsNetwork", () => []);
      const exported = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
      for (const r of rules) {
        expect(r.for).toMatch(/^\d+m$/);
        expect(["critical", "warning"]).toContain(r.labels.severity);
        expect(r.annotations.summary).toBeTruthy();
        const used = String(r.expr).match(/\becsnet_[a-z_]+/g) ?? [];
        expect(used.length).toBeGreaterThan(0);
        for (const name of used) expect(exported).toContain(name);
      }
    });
  });

  describe("components/high-availability", () => {
    const objs = render(["components/high-availability"]);
    it("keeps one replica through a drain and never puts both on one node", () => {
      const pdb = find(objs, "PodDisruptionBudget", "ecsnet");
      expect(selects(pdb.spec.selector.matchLabels, podLabels(objs))).toBe(true);
      expect(pdb.spec.minAvailable).toBeLessThan(deployment(objs).spec.replicas);
      const spec = deployment(objs).spec.template.spec;
      const anti = spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
      expect(anti.topologyKey).toBe("kubernetes.io/hostname");
      expect(selects(anti.labelSelector.matchLabels, podLabels(objs))).toBe(true);
      const spread = spec.topologySpreadConstraints[0];
      expect(spread).toMatchObject({ topologyKey: "topology.kubernetes.io/zone", maxSkew: 1 });
      expect(selects(spread.labelSelector.matchLabels, podLabels(objs))).toBe(true);
      // The patch merged: the base's container is still there.
      expect(container(objs).name).toBe("ecsnet");
    });
  });

  describe("components/network-policy", () => {
    const objs = render(["components/network-policy"]);
    it("admits only the monitoring namespace to the metrics port, and lets out only DNS and HTTPS", () => {
      const np = find(objs, "NetworkPolicy", "ecsnet");
      expect(selects(np.spec.podSelector.matchLabels, podLabels(objs))).toBe(true);
      expect(np.spec.policyTypes).toEqual(["Ingress", "Egress"]);
      expect(np.spec.ingress).toHaveLength(1);
      expect(np.spec.ingress[0].from).toEqual([
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
      ]);
      const port = (container(objs).ports as Obj[]).find((p) => p.name === "http")!.containerPort;
      expect(np.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port }]);
      const egressPorts = (np.spec.egress as Obj[]).flatMap((e) => e.ports.map((p: Obj) => `${p.protocol}/${p.port}`));
      expect(egressPorts.sort()).toEqual(["TCP/443", "TCP/53", "TCP/6443", "UDP/53"]);
      const dns = (np.spec.egress as Obj[]).find((e) => e.ports.some((p: Obj) => p.port === 53))!;
      expect(dns.to).toHaveLength(1);
    });
  });

  describe("AWS credentials", () => {
    it("components/irsa annotates the ServiceAccount with a role ARN", () => {
      const sa = find(render(["components/irsa"]), "ServiceAccount", "ecsnet");
      expect(sa.metadata.annotations["eks.amazonaws.com/role-arn"]).toMatch(/^arn:aws:iam::\d{12}:role\/.+$/);
    });
    it("components/pod-identity leaves the ServiceAccount alone and opens the path to the Pod Identity Agent", () => {
      const objs = render(["components/network-policy", "components/pod-identity"]);
      expect(find(objs, "ServiceAccount", "ecsnet").metadata.annotations ?? {}).toEqual({});
      const np = find(objs, "NetworkPolicy", "ecsnet-pod-identity-agent");
      expect(selects(np.spec.podSelector.matchLabels, podLabels(objs))).toBe(true);
      expect(np.spec.egress).toEqual([
        { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
      ]);
    });
  });

  describe("components/settings", () => {
    const objs = render(["components/settings"]);
    it("generates settings that config.ts accepts, referenced by the Deployment under their hashed name", () => {
      const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("ecsnet-settings-"))!;
      expect(cm).toBeDefined();
      const cfg = loadConfig(cm.data);
      expect(cm.data.AWS_REGION).toMatch(/^[a-z]{2}(-[a-z]+)+-\d$/);
      expect(cfg.resyncMs).toBeGreaterThan(0);
      expect(cfg.leaseName).toBe("ecsnet-leader");
      const ref = (container(objs).envFrom as Obj[])[0]!.configMapRef;
      expect(ref.name).toBe(cm.metadata.name);
    });
  });

  it("every component together renders, with every namespaced object in ecsnet-system", () => {
    const all = readdirSync("deploy/components").filter((c) => c !== "irsa");
    const objs = render(all.map((c) => `components/${c}`));
    for (const o of objs.filter((x) => !CLUSTER_SCOPED.has(x.kind))) expect(o.metadata.namespace).toBe("ecsnet-system");
  });

  describe("deploy/flux/ecsnet.yaml", () => {
    const docs = parseAllDocuments(readFileSync("deploy/flux/ecsnet.yaml", "utf8")).map((d) => d.toJS() as Obj);
    const ks = docs.filter((d) => d.kind === "Kustomization");

    it("builds what kustomize-controller would build, and health-checks objects that build contains", () => {
      const op = ks.find((k) => k.metadata.name === "ecsnet")!;
      expect(op.spec.sourceRef).toEqual({ kind: "GitRepository", name: docs[0]!.metadata.name });
      const objs = render(op.spec.components, {
        path: op.spec.path.replace(/^\.\//, ""),
        namespace: op.spec.targetNamespace,
      });
      expect(op.spec.healthChecks.length).toBeGreaterThan(0);
      for (const h of op.spec.healthChecks as Obj[]) {
        const o = find(objs, h.kind, h.name);
        expect(o.apiVersion).toBe(h.apiVersion);
        expect(o.metadata.namespace).toBe(h.namespace);
      }
    });

    it("applies the networks only after the operator, waiting on their kstatus", () => {
      const nets = ks.find((k) => k.metadata.name === "ecsnet-networks")!;
      expect(nets.spec.dependsOn).toEqual([{ name: "ecsnet" }]);
      expect(nets.spec.wait).toBe(true);
      const dir = nets.spec.path.replace(/^\.\//, "");
      const kinds = readdirSync(dir)
        .filter((f) => f.endsWith(".yaml"))
        .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), "utf8")).map((d) => (d.toJS() as Obj).kind));
      expect(kinds).toEqual(expect.arrayContaining(["PrivateEcsNetwork", "EcrAccess"]));
    });
  });
});
