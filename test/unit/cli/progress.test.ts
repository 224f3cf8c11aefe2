/** What `ecsnet apply` shows while it works: one line per state change, a live block, or JSON events. */
import { Progress } from "../../../operator/cli/progress.js";

class Out {
  text = "";
  columns = 120;
  write(s: string): void {
    this.text += s;
  }
}

it("without a terminal, prints one line per state change and nothing for a repeated state", () => {
  const out = new Out();
  let t = 0;
  const p = new Progress("lines", out, () => t);
  p.start("ns/net", false, "uid-1");
  p.set("endpoint:ecr.api", "creating");
  t = 3_400;
  p.set("endpoint:ecr.api", "pending", "vpce-1");
  t = 5_000;
  p.set("endpoint:ecr.api", "pending", "vpce-1");
  p.described("endpoint:", [{ key: "endpoint:ecr.api", id: "vpce-1", state: "pending" }]);
  t = 65_000;
  p.described("endpoint:", [{ key: "endpoint:ecr.api", id: "vpce-1", state: "available" }]);
  p.end("ready", 0);
  expect(out.text.split("\n")).toEqual([
    "Applying ns/net...",
    "[    0s] endpoint:ecr.api: creating",
    "[    3s] endpoint:ecr.api vpce-1: creating → pending after 3s",
    "[  1m5s] endpoint:ecr.api vpce-1: pending → available after 1m1s",
    "",
  ]);
});

it("marks a resource being deleted as deleted once AWS no longer reports it", () => {
  const out = new Out();
  const p = new Progress("lines", out, () => 0);
  p.start("ns/net", true, "uid-1");
  p.described("nat:", [{ key: "nat:us-east-1a", id: "nat-1", state: "available" }]);
  p.set(p.keyOf("nat-1")!, "deleting");
  p.described("nat:", [{ key: "nat:us-east-1a", id: "nat-1", state: "deleting" }]);
  p.described("endpoint:", []);
  expect(p.stateOf("nat:us-east-1a")).toBe("deleting");
  p.described("nat:", []);
  expect(p.stateOf("nat:us-east-1a")).toBe("deleted");
});

it("on a terminal, redraws the block in place with terraform's elapsed time", () => {
  const out = new Out();
  let t = 0;
  const p = new Progress("tty", out, () => t);
  p.start("ns/net", false, "uid-1");
  p.set("nat:us-east-1a", "pending", "nat-1");
  t = 70_000;
  p.set("sg:endpoints", "available", "sg-1");
  p.end("ready", 0);
  // Each redraw moves the cursor up over the previous block (ESC [ n F) and clears below it (ESC [ J).
  const frames = out.text.split(new RegExp(`${String.fromCharCode(27)}\\[\\d+F${String.fromCharCode(27)}\\[J`));
  expect(frames.length).toBe(4);
  expect(frames[2]).toMatch(/nat:us-east-1a +nat-1 +pending +Still creating\.\.\. \[1m10s elapsed\]/);
  expect(frames[3]).toMatch(/^Applying ns\/net: finished after 1m10s\n/);
  expect(frames[3]).not.toMatch(/Still/);
});

it("as JSON, writes one event per line", () => {
  const out = new Out();
  const p = new Progress("json", out, () => 1_700_000_000_000);
  p.start("ns/net", false, "uid-1");
  p.set("endpoint:logs", "creating");
  p.end("timeout", 124);
  const events = out.text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(events.map((e) => [e["type"], e["network"]])).toEqual([
    ["start", "ns/net"],
    ["resource", "ns/net"],
    ["end", "ns/net"],
  ]);
  expect(events[1]).toMatchObject({ key: "endpoint:logs", state: "creating" });
  expect(events[2]).toMatchObject({ result: "timeout", exitCode: 124 });
});
