#!/usr/bin/env node
// The installed command: the compiled entry point (built by `npm ci` through the `prepare` script). `ecsnet run`,
// the long-running operator, starts the bundled runtime (dist/bundle/, docs/adr/0009-bundled-runtime.md): one
// tree-shaken module holding only what `run` needs, which keeps the process's memory down; every other command
// runs the compiled modules in dist/operator/.
// ecsnet runs on Node.js 24 LTS (docs/adr/0001). `npm ci` installs that Node into node_modules/.bin, which
// `npx ecsnet` and npm scripts put first on PATH; an older Node started by hand gets a plain answer instead
// of a crash deep inside a dependency.
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(
    `ecsnet: needs Node.js 24 LTS, this is ${process.version}. Run it as "npx ecsnet ..." from the project ` +
      `(npm ci installed Node 24 into node_modules/.bin), or install Node 24.\n`,
  );
  process.exit(1);
}
// The command is the first argument that is not an option, as operator/cli/program.ts reads it.
const command = process.argv.slice(2).find((a) => !a.startsWith("-"));
await import(command === "run" ? "../dist/bundle/ecsnet-run.js" : "../dist/operator/main.js");
