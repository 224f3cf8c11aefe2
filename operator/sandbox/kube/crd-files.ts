/**
 * Read CRD manifests from a folder: every *.yaml / *.yml / *.json file, multi-document YAML allowed;
 * only documents of kind CustomResourceDefinition are returned, in file-name order.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

/** The CRD manifests under `dir` (not recursive). Rejects when the folder cannot be read or a file does not parse. */
export async function loadCrdDir(dir: string): Promise<object[]> {
  const files = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/i.test(f)).sort();
  const crds: object[] = [];
  for (const f of files) {
    const text = await readFile(join(dir, f), "utf8");
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) throw new Error(`cannot parse ${f}: ${doc.errors[0]?.message ?? "invalid YAML"}`);
      const value: unknown = doc.toJS();
      if (value && typeof value === "object" && (value as { kind?: unknown }).kind === "CustomResourceDefinition")
        crds.push(value);
    }
  }
  return crds;
}
