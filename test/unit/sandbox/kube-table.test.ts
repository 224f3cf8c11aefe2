/** Table output for kubectl get: columns, JSONPath cells, ages rendered as apimachinery does. */
import type { ResourceType } from "../../../operator/sandbox/kube/resources.js";
import { typesFromCrd } from "../../../operator/sandbox/kube/resources.js";
import { humanDuration, toJsonPathPlus, toTable, wantsTable } from "../../../operator/sandbox/kube/table.js";

const crd = {
  spec: {
    group: "t.ecsnet.dev",
    scope: "Namespaced",
    names: { plural: "nets", kind: "Net" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: "object" } },
        additionalPrinterColumns: [
          { name: "VPC", type: "string", jsonPath: ".spec.vpcId" },
          { name: "Egress", type: "string", jsonPath: ".spec.egress" },
          { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
      },
    ],
  },
};
const type = typesFromCrd(crd)[0] as ResourceType;

describe("human durations", () => {
  test.each([
    [5_000, "5s"],
    [119_000, "119s"],
    [125_000, "2m5s"],
    [600_000, "10m"],
    [3 * 3600_000 + 5 * 60_000, "3h5m"],
    [30 * 3600_000, "30h"],
    [3 * 86400_000 + 2 * 3600_000, "3d2h"],
    [400 * 86400_000, "400d"],
    [3 * 365 * 86400_000 + 86400_000, "3y1d"],
    [-5_000, "<invalid>"],
  ])("%d ms reads %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe("tables", () => {
  test("Kubernetes JSONPath becomes jsonpath-plus", () => {
    expect(toJsonPathPlus(".spec.vpcId")).toBe("$.spec.vpcId");
    expect(toJsonPathPlus('{.status.conditions[?(@.type=="Ready")].status}')).toBe(
      '$.status.conditions[?(@.type=="Ready")].status',
    );
  });

  test("only a v1 Table Accept asks for a table", () => {
    expect(wantsTable("application/json;as=Table;v=v1;g=meta.k8s.io,application/json")).toBe(true);
    expect(wantsTable("application/json;as=Table;v=v1beta1;g=meta.k8s.io")).toBe(false);
    expect(wantsTable("application/json")).toBe(false);
  });

  test("rows carry Name and the printer columns, with the Ready condition picked by its type", () => {
    const created = new Date(Date.now() - 90_000).toISOString();
    const o = {
      metadata: { name: "net-a", namespace: "default", creationTimestamp: created },
      spec: { vpcId: "vpc-1", egress: "None" },
      status: {
        conditions: [
          { type: "Reconciling", status: "False" },
          { type: "Ready", status: "True" },
        ],
      },
    };
    const table = toTable(type, [o], "7") as {
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[]; object: unknown }[];
      metadata: unknown;
    };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "VPC", "Egress", "Ready", "Age"]);
    expect(table.rows[0]?.cells.slice(0, 4)).toEqual(["net-a", "vpc-1", "None", "True"]);
    expect(table.rows[0]?.cells[4]).toMatch(/^9\ds$/);
    expect(table.metadata).toEqual({ resourceVersion: "7" });
    expect(table.rows[0]?.object).toEqual({
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
      metadata: o.metadata,
    });
  });

  test("a missing value is an empty cell", () => {
    const table = toTable(type, [{ metadata: { name: "bare" }, spec: {} }], "1") as { rows: { cells: unknown[] }[] };
    expect(table.rows[0]?.cells.slice(1, 4)).toEqual([null, null, null]);
  });
});

describe("types from a CRD", () => {
  test("a version without printer columns gets the Age column, as the real server gives it", () => {
    const bare = structuredClone(crd) as { spec: { versions: Record<string, unknown>[] } };
    delete bare.spec.versions[0]?.additionalPrinterColumns;
    expect(typesFromCrd(bare)[0]?.columns.map((c) => c.name)).toEqual(["Age"]);
  });

  test("a version that is not served is not a type", () => {
    const unserved = structuredClone(crd) as { spec: { versions: Record<string, unknown>[] } };
    unserved.spec.versions.push({ name: "v2", served: false, storage: false });
    expect(typesFromCrd(unserved).map((t) => t.version)).toEqual(["v1"]);
  });
});
