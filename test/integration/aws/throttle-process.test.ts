/**
 * A call waiting for an EC2 token is a pending call: with nothing else pending, a process whose top-level
 * await waits on the limiter must stay alive until the token is due (with unref'd timers Node ended such a
 * process with exit 13, "unsettled top-level await", halfway through `ecsnet apply`).
 */
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

it("keeps a process alive while its only pending work is a wait for a CreateVpcEndpoint token", async () => {
  const module = pathToFileURL(resolve("dist/operator/aws/throttle.js")).href;
  const script = [
    `import { Ec2Limiter } from ${JSON.stringify(module)};`,
    "const limiter = new Ec2Limiter({ buckets: { vpcEndpoints: { capacity: 1, refillPerSecond: 2 } }, headroom: 0 });",
    'const waited = await Promise.all([0, 1].map(() => limiter.acquire("CreateVpcEndpoint")));',
    'process.stdout.write(`granted after ${waited.join(",")} ms`);',
  ].join("\n");
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  // The limiter reports the wait it computed: 500 ms for the second token, give or take the clock's rounding.
  const m = /^granted after 0,(\d+) ms$/.exec(out);
  expect({ code, out: m ? "granted after 0,<wait> ms" : out }).toEqual({ code: 0, out: "granted after 0,<wait> ms" });
  expect(Math.abs(Number(m![1]) - 500)).toBeLessThanOrEqual(5);
});
