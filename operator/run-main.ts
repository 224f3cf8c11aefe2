/**
 * Process entry of `ecsnet run` alone: the operator, and nothing of the other commands (sandboxes, plan, apply,
 * demo, CRD and IAM generators). `npm run build` bundles what this module imports into dist/bundle/ (scripts/
 * bundle.mjs), which bin/ecsnet.js and the container image run for `ecsnet run` (docs/adr/0009-bundled-runtime.md).
 */
import { runProgram } from "./cli/program.js";
import { runCommand } from "./cli/run.js";

await runProgram(async () => [runCommand()]);
