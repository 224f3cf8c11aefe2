/**
 * `ecsnet crds [--out <dir>]`: the CRDs generated from operator/api/, as a YAML stream on stdout, or one
 * file per CRD (`<dir>/<plural>.<group>.yaml`). `npm run gen:crds` writes crds/ with it; a unit test fails
 * when the committed files differ from what this renders.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { stringify } from "yaml";
import { allCrds } from "../api/all-crds.js";
import type { CustomResourceDefinition } from "../api/crd.js";
import { crdSchemaErrors } from "../sandbox/kube/crd-validation.js";

/** The header of every generated CRD file. */
export const GENERATED_HEADER = "# Generated from operator/api/ by `npm run gen:crds`. Do not edit by hand.\n";

/** One CRD as the YAML document written to crds/ (header included). Pure and deterministic. */
export function renderCrd(crd: CustomResourceDefinition): string {
  return GENERATED_HEADER + stringify(crd, { lineWidth: 0, sortMapEntries: false });
}

/** The file name of a CRD under crds/: `<plural>.<group>.yaml`. */
export const crdFileName = (crd: CustomResourceDefinition): string => `${crd.metadata.name}.yaml`;

/** Every CRD as one YAML stream (documents separated by `---`). */
export function renderCrdStream(crds: readonly CustomResourceDefinition[] = allCrds()): string {
  return crds.map((c) => `---\n${renderCrd(c)}`).join("");
}

/**
 * Throws when kube-apiserver would refuse one of `crds`, with every reason in its own words
 * (`The CustomResourceDefinition "x" is invalid:` then one `* field: message` line each): the
 * structural schema, each default checked literally against its node's schema and CEL rules, CEL
 * compilation, and the estimated rule costs against the per-rule and per-CRD budgets. The checks are
 * the sandbox Kubernetes API's port of the real server's (operator/sandbox/kube/crd-validation.ts).
 */
export function assertInstallable(crds: readonly CustomResourceDefinition[]): void {
  const problems = crds.flatMap((crd) => {
    const causes = crdSchemaErrors(crd);
    if (causes.length === 0) return [];
    const lines = causes.map((c) => `* ${c.field ? `${c.field}: ` : ""}${c.message}`);
    return [`The CustomResourceDefinition "${crd.metadata.name}" is invalid:\n${lines.join("\n")}`];
  });
  if (problems.length > 0)
    throw new Error(`a real kube-apiserver would refuse these CRDs; fix operator/api/:\n${problems.join("\n")}`);
}

/** The `crds` command. */
export function crdsCommand(): Command {
  return new Command("crds")
    .description("print the CustomResourceDefinitions (or write one file per CRD with --out)")
    .option("--out <dir>", "write <dir>/<plural>.<group>.yaml instead of printing")
    .action(async (o: { out?: string }) => {
      assertInstallable(allCrds());
      if (!o.out) {
        process.stdout.write(renderCrdStream());
        return;
      }
      await mkdir(o.out, { recursive: true });
      for (const crd of allCrds()) {
        const file = join(o.out, crdFileName(crd));
        await writeFile(file, renderCrd(crd));
        process.stdout.write(`wrote ${file}\n`);
      }
    });
}
