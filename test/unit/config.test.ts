import { ConfigError, loadConfig } from "../../operator/config.js";

describe("loadConfig", () => {
  it("applies defaults when nothing is set", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      logLevel: "info",
      resyncMs: 20_000,
      fullObserveMs: 1_800_000,
      discoveryResyncMs: 300_000,
      pendingRequeueMs: 15_000,
      concurrency: 4,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });
  it("reads the EcrAccess discovery interval apart from the network sweep", () => {
    expect(loadConfig({ ECSNET_RESYNC_MS: "1500", ECSNET_DISCOVERY_RESYNC_MS: "2000" })).toMatchObject({
      resyncMs: 1_500,
      discoveryResyncMs: 2_000,
    });
    expect(() => loadConfig({ ECSNET_DISCOVERY_RESYNC_MS: "10" })).toThrow(/ECSNET_DISCOVERY_RESYNC_MS/);
  });
  it("rejects a malformed number naming the variable", () => {
    expect(() => loadConfig({ ECSNET_CONCURRENCY: "two" })).toThrow(ConfigError);
    expect(() => loadConfig({ ECSNET_CONCURRENCY: "0" })).toThrow(/ECSNET_CONCURRENCY/);
  });
  it("reads the events queue URL, none by default, and refuses what is not a URL", () => {
    expect(loadConfig({}).eventsQueueUrl).toBeUndefined();
    expect(loadConfig({ ECSNET_EVENTS_QUEUE: "" }).eventsQueueUrl).toBeUndefined();
    const url = "https://sqs.eu-west-1.amazonaws.com/123456789012/ecsnet-ec2-events";
    expect(loadConfig({ ECSNET_EVENTS_QUEUE: url }).eventsQueueUrl).toBe(url);
    expect(() => loadConfig({ ECSNET_EVENTS_QUEUE: "ecsnet-ec2-events" })).toThrow(/ECSNET_EVENTS_QUEUE/);
  });
});
