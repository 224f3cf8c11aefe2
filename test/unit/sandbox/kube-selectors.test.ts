/** Label and field selectors of the sandbox Kubernetes API, as the real server parses them. */
import { parseFieldSelector, parseLabelSelector } from "../../../operator/sandbox/kube/selectors.js";
import type { KubeObject } from "../../../operator/sandbox/kube/store.js";

const obj = (name: string, labels: Record<string, string>, namespace = "default"): KubeObject => ({
  metadata: { name, namespace, labels },
});
const objects = [
  obj("a", { tier: "app", team: "x" }),
  obj("b", { tier: "data" }),
  obj("c", { tier: "web", team: "y" }, "other"),
  obj("d", {}),
];
const select = (f: (o: KubeObject) => boolean): string[] => objects.filter(f).map((o) => String(o.metadata.name));

describe("label selectors", () => {
  test.each([
    ["", ["a", "b", "c", "d"]],
    ["tier=app", ["a"]],
    ["tier==app", ["a"]],
    ["tier!=app", ["b", "c", "d"]],
    ["tier in (app, data)", ["a", "b"]],
    ["tier notin (app,data)", ["c", "d"]],
    ["team", ["a", "c"]],
    ["!team", ["b", "d"]],
    ["team,tier in (web)", ["c"]],
    ["tier in (app,data),!team", ["b"]],
  ])("%j selects %j", (selector, expected) => {
    expect(select(parseLabelSelector(selector))).toEqual(expected);
  });

  test("a malformed key is a 400 BadRequest", () => {
    expect(() => parseLabelSelector("-bad=x")).toThrow(expect.objectContaining({ code: 400 }));
  });
});

describe("field selectors", () => {
  test.each([
    ["metadata.name=b", ["b"]],
    ["metadata.name!=b", ["a", "c", "d"]],
    ["metadata.namespace=other", ["c"]],
    ["metadata.namespace=default,metadata.name!=a", ["b", "d"]],
  ])("%j selects %j", (selector, expected) => {
    expect(select(parseFieldSelector(selector))).toEqual(expected);
  });

  test("a type's own field labels work (the Events' involvedObject.*, reason, source)", () => {
    const event: KubeObject = {
      metadata: { name: "e1", namespace: "default" },
      involvedObject: { kind: "PrivateEcsNetwork", name: "net-a", uid: "u-1" },
      reason: "Repaired",
      source: { component: "ecsnet" },
    };
    const labels = ["involvedObject.kind", "involvedObject.name", "involvedObject.uid", "reason", "source"];
    expect(parseFieldSelector("involvedObject.name=net-a,involvedObject.uid=u-1,source=ecsnet", labels)(event)).toBe(
      true,
    );
    expect(parseFieldSelector("reason!=Repaired", labels)(event)).toBe(false);
    expect(() => parseFieldSelector("involvedObject.name=net-a")).toThrow(expect.objectContaining({ code: 400 }));
  });

  test("an unsupported field is a 400 naming it", () => {
    expect(() => parseFieldSelector("spec.vpcId=x")).toThrow("field label not supported: spec.vpcId");
  });
});
