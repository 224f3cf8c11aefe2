// The bundled runtime of `ecsnet run` (docs/adr/0009-bundled-runtime.md): everything operator/run-main.ts imports,
// dependencies included, as one ES module tree-shaken by esbuild, in dist/bundle/. `npm run build` runs this after
// tsc; bin/ecsnet.js and the container image start it for `ecsnet run`. The entry, not a list of files, decides
// what is in it: a module `run` comes to import is bundled with it.
//   node scripts/bundle.mjs [--metafile]   (--metafile: also write dist/bundle/meta.json, what each byte is)
import { readFile, rm, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { build } from "esbuild";

const outdir = "dist/bundle";

// The AWS SDK's schema modules declare each shape as an array, their XML names as computed keys of constants
// (`{ [_xN]: _TSa }` with `const _xN = "xmlName"`). esbuild cannot tell such a key is free of side effects, so it
// kept 622 of EC2's 954 request schemas where ecsnet needs about 30. Written with the constant's string instead
// (the same property), the unused ones are dropped.
const inlineAwsSchemaKeys = {
  name: "inline-aws-schema-keys",
  setup(b) {
    b.onLoad(
      { filter: /@aws-sdk[\\/]client-[a-z0-9-]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ },
      async (args) => {
        const text = await readFile(args.path, "utf8");
        const strings = new Map();
        for (const m of text.matchAll(/^const (_\w+) = ("[^"\\]*");$/gm)) strings.set(m[1], m[2]);
        const contents = text.replace(/\[(_\w+)\]:/g, (key, id) => (strings.has(id) ? `${strings.get(id)}:` : key));
        return { contents, loader: "js" };
      },
    );
  },
};
// Node's built-in modules are loaded with require(), not import. Importing a built-in as an ES module builds its
// namespace, which reads every export, lazy getters included: `import "node:http"` alone makes Node load and compile
// its internal copy of undici (for http.WebSocket and friends), +2.4 MiB of heap and +12 MiB RSS measured on Node
// 24.22, though ecsnet never uses it. A built-in becomes a CommonJS stub (`module.exports = require(...)`) that
// esbuild's interop turns into the default and named imports; the require() itself stays external and comes from
// the banner's createRequire.
const builtinsByRequire = {
  name: "builtins-by-require",
  setup(b) {
    const builtins = new Set(builtinModules);
    const isBuiltin = (p) => p.startsWith("node:") || builtins.has(p.split("/")[0]);
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      if (args.kind === "require-call" || args.namespace === "builtin") return { path: args.path, external: true };
      return { path: args.path, namespace: "builtin" };
    });
    b.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};
// Chunk names carry content hashes: start empty so no chunk of an earlier build stays behind.
await rm(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { "ecsnet-run": "operator/run-main.ts" },
  outdir,
  bundle: true,
  // Modules loaded with import() stay separate files, loaded only when that code runs (e.g. credential
  // providers of the SDK's chain that the environment does not use).
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node24",
  // ES module builds first: the AWS SDK's dist-es is what tree-shakes (its dist-cjs is one file per package).
  mainFields: ["module", "main"],
  minifySyntax: true,
  minifyWhitespace: true,
  // Names stay as written: a stack trace names the functions of the source even without its source map.
  minifyIdentifiers: false,
  sourcemap: "linked",
  sourcesContent: false,
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
  plugins: [inlineAwsSchemaKeys, builtinsByRequire],
  // Dependencies published as CommonJS call require(); in an ES module it comes from createRequire.
  banner: {
    js: 'import { createRequire as __ecsnetCreateRequire } from "node:module"; const require = __ecsnetCreateRequire(import.meta.url);',
  },
});
// Node keeps a module's source in memory as one byte per character only when all of it is ASCII, else two (measured:
// one µ made a 1.9 MB module's external memory 4.0 MB instead of 2.1 MB). esbuild escapes non-ASCII characters in
// strings but not in regular expression literals (a dependency's /µs/); \uXXXX means the same character in both.
for (const file of Object.keys(result.metafile.outputs).filter((f) => f.endsWith(".js"))) {
  const text = await readFile(file, "utf8");
  const ascii = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (ascii !== text) await writeFile(file, ascii);
}
if (process.argv.includes("--metafile")) await writeFile(`${outdir}/meta.json`, JSON.stringify(result.metafile));
