/**
 * crds/*.yaml are generated from operator/api/; this fails when someone changed a schema and did not
 * regenerate them (or edited a generated file by hand). It reads the committed files, nothing else.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { allCrds } from "../../../operator/api/all-crds.js";
import { crdFileName, renderCrd } from "../../../operator/cli/crds.js";

const CRDS_DIR = join(process.cwd(), "crds");

describe("crds/", () => {
  it("holds exactly the generated CRD files, byte for byte (else: run npm run gen:crds)", () => {
    const generated = new Map(allCrds().map((c) => [crdFileName(c), renderCrd(c)]));
    const committed = readdirSync(CRDS_DIR).filter((f) => f.endsWith(".yaml"));
    const generatedByUs = committed.filter((f) => readFileSync(join(CRDS_DIR, f), "utf8").startsWith("# Generated"));
    const missing = [...generated.keys()].filter((f) => !committed.includes(f));
    const stale = [...generated].filter(
      ([f, text]) => committed.includes(f) && readFileSync(join(CRDS_DIR, f), "utf8") !== text,
    );
    const orphaned = generatedByUs.filter((f) => !generated.has(f));
    const problems = [
      ...missing.map((f) => `${f} is missing`),
      ...stale.map(([f]) => `${f} differs from the schema in operator/api/`),
      ...orphaned.map((f) => `${f} is no longer generated`),
    ];
    if (problems.length > 0) throw new Error(`crds/ is out of date (${problems.join("; ")}): run npm run gen:crds`);
    expect(generated.size).toBeGreaterThan(0);
  });
});
