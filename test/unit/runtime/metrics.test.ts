import { createMetrics } from "../../../operator/observability/metrics.js";

const fresh = () => createMetrics(undefined, { defaultMetrics: false });

describe("createMetrics", () => {
  it("exports zeroed series for every result of a controller once it is initialised", async () => {
    const m = fresh();
    m.initController("networks");
    const text = await m.registry.metrics();
    for (const result of ["success", "error", "requeue", "requeue_after", "terminal_error"])
      expect(text).toContain(`ecsnet_reconcile_total{controller="networks",result="${result}"} 0`);
    expect(text).toContain(`ecsnet_reconcile_errors_total{controller="networks"} 0`);
    expect(text).toContain(`ecsnet_reconcile_duration_seconds_count{controller="networks"} 0`);
  });

  it("zeroes queue, informer, AWS and drift series by their label values", async () => {
    const m = fresh();
    m.initQueue("networks");
    m.initInformer("privateecsnetworks");
    m.initAwsOperations("ec2", ["DescribeVpcEndpoints"]);
    m.initDriftComponents(["route"]);
    const text = await m.registry.metrics();
    expect(text).toContain(`ecsnet_workqueue_adds_total{name="networks"} 0`);
    expect(text).toContain(`ecsnet_workqueue_queue_duration_seconds_count{name="networks"} 0`);
    expect(text).toContain(`ecsnet_informer_restarts_total{resource="privateecsnetworks"} 0`);
    expect(text).toContain(
      `ecsnet_aws_api_calls_total{service="ec2",operation="DescribeVpcEndpoints",outcome="throttled",account="_operator"} 0`,
    );
    expect(text).toContain(`ecsnet_drift_repairs_total{component="route"} 0`);
  });

  it("keeps separate registries apart, so two instances in one process do not collide", async () => {
    const a = fresh();
    const b = fresh();
    a.leader.set({ name: "l" }, 1);
    expect(await b.registry.metrics()).not.toContain(`ecsnet_leader{name="l"} 1`);
    expect(await a.registry.metrics()).toContain(`ecsnet_leader{name="l"} 1`);
  });
});
