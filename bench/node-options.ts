/**
 * The container image's V8 settings, read from the Dockerfile so figure 5 measures what the image runs with.
 * Kept apart from bench/memory.ts so it can be tested without loading the sandboxes.
 */

/** NODE_OPTIONS of the container image (the Dockerfile's `ENV NODE_OPTIONS="..."`), so the figure follows it. */
export function imageNodeOptions(dockerfile: string): string {
  const m = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(dockerfile);
  if (!m) throw new Error('the Dockerfile sets no ENV NODE_OPTIONS="..."; figure 5 measures the image\'s settings');
  return m[1]!;
}
