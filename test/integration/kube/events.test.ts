import { EventRecorder, EventType } from "../../../operator/kube/events.js";
import { ManualClock } from "../../../operator/runtime/clock.js";
import { startWorld, WIDGET, type World } from "./world.js";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.sandbox.close());

type Ev = {
  reason: string;
  message: string;
  type: string;
  count: number;
  reportingComponent: string;
  involvedObject: { name: string; uid: string; kind: string };
  lastTimestamp: string;
  firstTimestamp: string;
};
const eventsOf = (name: string) =>
  (world.sandbox.admin.objects("events") as Ev[]).filter((e) => e.involvedObject.name === name);

describe("EventRecorder", () => {
  it("writes an Event on the object with our component, reason, message and type", async () => {
    const o = await world.widget("ev-a");
    const rec = new EventRecorder({ kubeConfig: world.client.kubeConfig });
    await rec.record({
      object: { ...o, apiVersion: "ecsnet.dev/v1alpha1", kind: WIDGET.kind },
      type: EventType.Normal,
      reason: "Created",
      message: "created endpoint ecr.dkr",
    });
    expect(eventsOf("ev-a")).toEqual([
      expect.objectContaining({
        reason: "Created",
        message: "created endpoint ecr.dkr",
        type: "Normal",
        count: 1,
        reportingComponent: "ecsnet",
        involvedObject: expect.objectContaining({ kind: "RuntimeWidget", uid: o.metadata.uid }),
      }),
    ]);
  });

  it("aggregates repeats within the window into one Event with a growing count", async () => {
    const o = await world.widget("ev-b");
    const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
    const rec = new EventRecorder({ kubeConfig: world.client.kubeConfig, clock });
    const warn = { object: o, type: EventType.Warning, reason: "Throttled", message: "ec2 throttled the request" };
    await rec.record(warn);
    clock.advance(15_000);
    await rec.record(warn);
    clock.advance(15_000);
    await rec.record(warn);
    const [ev, ...rest] = eventsOf("ev-b");
    expect(rest).toHaveLength(0);
    expect(ev).toMatchObject({ count: 3, lastTimestamp: "2026-01-01T00:00:30Z" });
  });

  it("keeps different reasons or messages apart, and starts a new Event after the window", async () => {
    const o = await world.widget("ev-c");
    const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
    const rec = new EventRecorder({ kubeConfig: world.client.kubeConfig, clock, windowMs: 60_000 });
    await rec.record({ object: o, type: EventType.Warning, reason: "Stalled", message: "subnet is not private" });
    await rec.record({ object: o, type: EventType.Warning, reason: "Stalled", message: "vpc not found" });
    clock.advance(61_000);
    await rec.record({ object: o, type: EventType.Warning, reason: "Stalled", message: "vpc not found" });
    const byMessage = eventsOf("ev-c")
      .map((e) => `${e.message}:${e.count}`)
      .sort();
    expect(byMessage).toEqual(["subnet is not private:1", "vpc not found:1", "vpc not found:1"]);
  });

  it("never throws when the Event cannot be written", async () => {
    const o = await world.widget("ev-d");
    const rec = new EventRecorder({ kubeConfig: world.client.kubeConfig });
    world.sandbox.admin.failNext({ verb: "create", resource: "events", status: 500 });
    await expect(
      rec.record({ object: o, type: EventType.Normal, reason: "Created", message: "x" }),
    ).resolves.toBeUndefined();
    expect(eventsOf("ev-d")).toHaveLength(0);
  });
});
