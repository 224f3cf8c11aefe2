/**
 * Jest runs TypeScript sources as native ESM through @swc/jest (no type-check at test time;
 * `npm run typecheck` and the build do that). `--experimental-vm-modules` is set by the npm script.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        module: { type: "es6" },
      },
    ],
  },
  testTimeout: 60_000,
  maxWorkers: 2,
};
