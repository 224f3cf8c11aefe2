import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

const sdk = {
  group: ["@aws-sdk/*", "@smithy/*"],
  message: "only operator/aws/ and operator/sandbox/ talk to AWS SDK packages",
};
const kube = { group: ["@kubernetes/client-node"], message: "only operator/kube/ imports client-node" };

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    // Plain Node scripts (bin/, scripts/, configs) run with Node's globals.
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-syntax": [
        "error",
        { selector: "TSEnumDeclaration", message: "use a const object and a union type" },
      ],
    },
  },
  {
    // The dependency rule of style.md: core is pure, runtime is generic, adapters own their SDKs.
    files: ["operator/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            sdk,
            kube,
            {
              group: [
                "../aws/*",
                "../kube/*",
                "../runtime/*",
                "../controllers/*",
                "../cli/*",
                "../sandbox/*",
                "../observability/*",
                "node:*",
              ],
              message: "core/ is pure: it imports only core/ and api/",
            },
          ],
        },
      ],
      "no-restricted-globals": ["error", { name: "process", message: "core/ is pure" }],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "pass `now` in" },
        { object: "Math", property: "random", message: "core/ is deterministic" },
      ],
    },
  },
  {
    // The IAM policy generator is data: it imports only api/ (the tag keys) and itself.
    files: ["operator/iam/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            sdk,
            kube,
            {
              group: [
                "../aws/*",
                "../cli/*",
                "../controllers/*",
                "../core/*",
                "../kube/*",
                "../observability/*",
                "../runtime/*",
                "../sandbox/*",
                "node:*",
              ],
              message: "iam/ is pure data: it imports only api/ and iam/",
            },
          ],
        },
      ],
      "no-restricted-globals": ["error", { name: "process", message: "iam/ is pure data" }],
    },
  },
  {
    files: ["operator/runtime/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [sdk, kube, { group: ["../aws/*", "../core/*"], message: "runtime/ knows keys, not AWS" }] },
      ],
    },
  },
  {
    files: [
      "operator/api/**/*.ts",
      "operator/controllers/**/*.ts",
      "operator/cli/**/*.ts",
      "operator/observability/**/*.ts",
    ],
    rules: { "no-restricted-imports": ["error", { patterns: [sdk, kube] }] },
  },
  {
    files: ["operator/aws/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [kube] }] },
  },
  {
    // The events path: pure parsing and matching, and a consumer behind the queue port (aws/event-queue.ts).
    files: ["operator/events/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [sdk, kube] }] },
  },
  {
    files: ["operator/kube/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [sdk] }] },
  },
  {
    files: ["operator/**/*.ts"],
    ignores: ["operator/config.ts", "operator/main.ts", "operator/sandbox/**"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "only operator/config.ts reads the environment" },
      ],
    },
  },
);
