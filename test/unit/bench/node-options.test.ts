import { readFileSync } from "node:fs";
import { imageNodeOptions } from "../../../bench/node-options.js";

describe("figure 5 measures the image's V8 settings", () => {
  it("reads NODE_OPTIONS from the Dockerfile", () => {
    const opts = imageNodeOptions(readFileSync("Dockerfile", "utf8"));
    expect(opts).toMatch(/--max-old-space-size=\d+/);
    expect(opts).toMatch(/--max-semi-space-size=\d+/);
  });

  it("refuses a Dockerfile without NODE_OPTIONS rather than measure Node's defaults twice", () => {
    expect(() => imageNodeOptions("FROM node:24\nENV NODE_ENV=production\n")).toThrow(/ENV NODE_OPTIONS/);
  });
});
