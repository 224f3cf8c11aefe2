/** docs/conditions.md explains every condition type and every reason ecsnet writes. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConditionType, Reason } from "../../../operator/api/conditions.js";

const doc = readFileSync(join(process.cwd(), "docs/conditions.md"), "utf8");

describe("docs/conditions.md", () => {
  it("explains every condition type", () => {
    expect(Object.values(ConditionType).filter((t) => !doc.includes(`\`${t}\``))).toEqual([]);
  });

  it("explains every reason", () => {
    expect(Object.values(Reason).filter((r) => !doc.includes(`\`${r}\``))).toEqual([]);
  });
});
