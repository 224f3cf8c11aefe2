/**
 * Deep copy of JSON data. JSON round-tripping (not structuredClone) keeps arrays and objects in this
 * module's realm, which CEL's type checks rely on, and drops anything that is not JSON anyway.
 */
export function copyJson<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}
