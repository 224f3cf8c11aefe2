import { createMetrics } from "../../../operator/observability/metrics.js";
import { isLoopback } from "../../../operator/runtime/manager.js";

const withConditions = (...c: [string, string][]) => ({
  status: { conditions: c.map(([type, status]) => ({ type, status })) },
});

describe("ecsnet_objects", () => {
  it("counts, at scrape time, the cached objects whose Ready, Reconciling or Stalled condition is True", async () => {
    const metrics = createMetrics(undefined, { defaultMetrics: false });
    let networks = [withConditions(["Ready", "True"]), withConditions(["Ready", "False"], ["Stalled", "True"]), {}];
    metrics.observeObjects("PrivateEcsNetwork", () => networks);
    const text = await metrics.registry.metrics();
    expect(text).toContain('ecsnet_objects{kind="PrivateEcsNetwork",condition="Ready"} 1');
    expect(text).toContain('ecsnet_objects{kind="PrivateEcsNetwork",condition="Stalled"} 1');
    expect(text).toContain('ecsnet_objects{kind="PrivateEcsNetwork",condition="Reconciling"} 0');
    networks = [];
    expect(await metrics.registry.metrics()).toContain(
      'ecsnet_objects{kind="PrivateEcsNetwork",condition="Stalled"} 0',
    );
  });
});

describe("who may read /metrics by default", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["10.0.3.7", false],
    ["::ffff:10.0.3.7", false],
    ["fd00::1", false],
    [undefined, false],
  ])("a peer at %s is local: %s", (address, local) => {
    expect(isLoopback(address)).toBe(local);
  });
});
