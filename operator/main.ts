/** Process entry of every `ecsnet` command (cli/program.ts); each command's module loads on demand (cli/commands.ts). */
import { commands } from "./cli/commands.js";
import { runProgram } from "./cli/program.js";

await runProgram(commands);
