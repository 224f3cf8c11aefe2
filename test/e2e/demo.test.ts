/**
 * The README's first command must keep working: `ecsnet demo` runs the whole story (converge, four
 * drifts repaired, ordered teardown) against its in-process sandboxes and exits 0.
 */
import { spawn } from "node:child_process";

it("ecsnet demo converges, repairs every injected drift, tears down completely and exits 0", async () => {
  const child = spawn(process.execPath, ["bin/ecsnet.js", "demo"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  expect({ code, tail: code === 0 ? "" : out.slice(-3000) }).toEqual({ code: 0, tail: "" });
  expect(out).toMatch(/converged: network Ready, every path check passes/);
  expect(out.match(/repaired in \d+\.\ds/g)).toHaveLength(4);
  expect(out).toMatch(/teardown complete: 0 ecsnet-managed endpoints or NAT gateways left in AWS/);
  expect(out).toMatch(/AWS calls made: \d+ \(\d+ mutating\)/);
  // Without a terminal only changed rows are printed, never whole repeated frames: the security group's row
  // changes a few times (missing, progressing, converged), not once per frame.
  const sgRows = out.split("\n").filter((l) => l.startsWith("  security group"));
  expect(sgRows.length).toBeLessThanOrEqual(6);
}, 120_000);
