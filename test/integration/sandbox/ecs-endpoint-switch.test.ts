/**
 * The ECS conformance suites run unchanged against another ECS-compatible endpoint when
 * AWS_ENDPOINT_URL is set. This proves it by doing it: a second, ECS-only endpoint is started here
 * and the services suite runs in a child Jest with AWS_ENDPOINT_URL pointing at it; the requests must land
 * there, and the tests that seed through the in-process API must be skipped, not failed.
 */
import { spawn } from "node:child_process";
import type { EcsSandboxServer } from "../../../operator/sandbox/aws/ecs/standalone.js";
import { startEcsSandboxServer } from "../../../operator/sandbox/aws/ecs/standalone.js";

// One suite stands for all: they share the targeting helper. In band, so the child starts no workers.
const SUITE = "test/integration/sandbox/ecs-services.test.ts";

interface JestSummary {
  success: boolean;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
}

/** Runs the suite in a child Jest whose environment is this one plus AWS_ENDPOINT_URL. */
function runSuitesAgainst(endpoint: string): Promise<{ code: number | null; summary: JestSummary; stderr: string }> {
  // `env NAME=value cmd` runs cmd with the inherited environment plus one variable.
  const child = spawn(
    "env",
    [
      `AWS_ENDPOINT_URL=${endpoint}`,
      process.execPath,
      "--experimental-vm-modules",
      "node_modules/jest/bin/jest.js",
      "--json",
      "--runInBand",
      "--runTestsByPath",
      SUITE,
    ],
    { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      try {
        resolve({ code, summary: JSON.parse(stdout) as JestSummary, stderr });
      } catch (err) {
        reject(new Error(`child jest printed no JSON summary (exit ${code}): ${stderr.slice(-2000)}`, { cause: err }));
      }
    });
  });
}

let other: EcsSandboxServer;
beforeAll(async () => {
  other = await startEcsSandboxServer({ accountId: "210987654321" });
});
afterAll(() => other?.close());

describe("the ECS conformance suite with AWS_ENDPOINT_URL set", () => {
  it("sends every request to that endpoint and skips the tests that need in-process seeding", async () => {
    const { code, summary, stderr } = await runSuitesAgainst(other.endpoint);
    // The child's log is part of the compared value only on failure, so a red run shows why.
    const log = summary.success ? "" : stderr.slice(-3000);
    expect({ code, failed: summary.numFailedTests, log }).toEqual({ code: 0, failed: 0, log: "" });
    expect(summary.numPassedTests).toBeGreaterThan(10);
    // The one test that seeds an app through the in-process API.
    expect(summary.numPendingTests).toBe(1);
    const state = other.ecs.dump() as { clusters: { arn: string }[]; services: unknown[] };
    expect(state.clusters.map((c) => c.arn)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^arn:aws:ecs:us-east-1:210987654321:cluster\/t\d+-apps$/),
        expect.stringMatching(/^arn:aws:ecs:us-east-1:210987654321:cluster\/t\d+-many$/),
      ]),
    );
    expect(state.services.length).toBeGreaterThan(20);
  });
});
