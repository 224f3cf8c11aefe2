/**
 * The container image's runtime settings, read from the Dockerfile so figure 5 measures what the image runs with.
 * Kept apart from bench/memory.ts so it can be tested without loading the sandboxes.
 */

/** NODE_OPTIONS of the container image (the Dockerfile's `ENV NODE_OPTIONS="..."`), so the figure follows it. */
export function imageNodeOptions(dockerfile: string): string {
  const m = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(dockerfile);
  if (!m) throw new Error('the Dockerfile sets no ENV NODE_OPTIONS="..."; figure 5 measures the image\'s settings');
  return m[1]!;
}

/**
 * The environment the image's runtime is tuned with: NODE_OPTIONS (V8) and glibc's MALLOC_* tunables (the
 * allocator's arenas), each from its own `ENV NAME="..."` / `ENV NAME=...` line of the Dockerfile.
 */
export function imageRuntimeEnv(dockerfile: string): Record<string, string> {
  const env: Record<string, string> = { NODE_OPTIONS: imageNodeOptions(dockerfile) };
  for (const m of dockerfile.matchAll(/^ENV (MALLOC_\w+)=(?:"([^"]*)"|(\S+))$/gm)) env[m[1]!] = m[2] ?? m[3]!;
  return env;
}

/**
 * The V8 flags the image's ENTRYPOINT passes to node before the script (`["node", "--flag", ..., "/app/bin/ecsnet.js"]`):
 * flags NODE_OPTIONS does not accept.
 */
export function imageNodeArgs(dockerfile: string): string[] {
  const m = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
  if (!m) throw new Error("the Dockerfile has no exec-form ENTRYPOINT");
  const words = JSON.parse(m[1]!) as string[];
  const script = words.findIndex((w) => w.endsWith(".js"));
  if (words[0] !== "node" || script < 1) throw new Error(`the ENTRYPOINT does not run node on a script: ${m[1]}`);
  return words.slice(1, script);
}
