import { readFileSync } from "node:fs";
import { imageNodeArgs, imageNodeOptions, imageRuntimeEnv } from "../../../bench/node-options.js";

describe("figure 5 measures the image's runtime settings", () => {
  it("reads NODE_OPTIONS from the Dockerfile", () => {
    const opts = imageNodeOptions(readFileSync("Dockerfile", "utf8"));
    expect(opts).toMatch(/--max-old-space-size=\d+/);
    expect(opts).toMatch(/--max-semi-space-size=\d+/);
  });

  it("refuses a Dockerfile without NODE_OPTIONS rather than measure Node's defaults twice", () => {
    expect(() => imageNodeOptions("FROM node:24\nENV NODE_ENV=production\n")).toThrow(/ENV NODE_OPTIONS/);
  });

  it("takes glibc's MALLOC_* settings along with NODE_OPTIONS, and no other ENV", () => {
    const dockerfile = [
      "FROM node:24",
      "ENV NODE_ENV=production",
      'ENV NODE_OPTIONS="--max-old-space-size=96"',
      "ENV MALLOC_ARENA_MAX=2",
      'ENV MALLOC_TRIM_THRESHOLD_="65536"',
    ].join("\n");
    expect(imageRuntimeEnv(dockerfile)).toEqual({
      NODE_OPTIONS: "--max-old-space-size=96",
      MALLOC_ARENA_MAX: "2",
      MALLOC_TRIM_THRESHOLD_: "65536",
    });
    expect(imageRuntimeEnv(readFileSync("Dockerfile", "utf8")).MALLOC_ARENA_MAX).toMatch(/^\d+$/);
  });

  it("reads the flags the ENTRYPOINT gives node before the script", () => {
    expect(imageNodeArgs('ENTRYPOINT ["node", "--no-opt", "--single-threaded-gc", "/app/bin/ecsnet.js"]')).toEqual([
      "--no-opt",
      "--single-threaded-gc",
    ]);
    expect(imageNodeArgs('ENTRYPOINT ["node", "/app/bin/ecsnet.js"]')).toEqual([]);
    expect(() => imageNodeArgs('ENTRYPOINT ["/bin/sh", "-c", "x"]')).toThrow(/does not run node/);
    for (const a of imageNodeArgs(readFileSync("Dockerfile", "utf8"))) expect(a).toMatch(/^--[a-z0-9-]+(=\S+)?$/);
  });
});
