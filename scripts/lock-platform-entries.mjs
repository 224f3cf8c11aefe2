#!/usr/bin/env node
// Adds package-lock.json entries for other platforms' optional native binaries (e.g. @swc/core-darwin-arm64)
// that `npm install` left out because the registry it used does not serve them. Without the entries
// `npm ci` refuses the lock as out of sync; with them (os/cpu/libc set), npm skips them on this platform.
// Run after every `npm install` that changes the lock: node scripts/lock-platform-entries.mjs
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(readFileSync(file, "utf8"));
const pkgs = lock.packages;
const PLATFORM =
  /-(android|darwin|freebsd|linux|openharmony|win32|wasm32)-([a-z0-9]+)(?:-(gnu|musl|msvc|gnueabihf|musleabihf|eabi|wasi))?$/;
const LIBC = { gnu: "glibc", gnueabihf: "glibc", musl: "musl", musleabihf: "musl" };
const added = [];
for (const [path, meta] of Object.entries(pkgs)) {
  const base = path.includes("node_modules/") ? path.slice(0, path.lastIndexOf("node_modules/")) : "";
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    if (pkgs[`${base}node_modules/${dep}`] || pkgs[`node_modules/${dep}`]) continue;
    const m = PLATFORM.exec(dep);
    if (!m) throw new Error(`cannot tell the platform of optional dependency ${dep}`);
    const [, os, cpu, abi] = m;
    const entry = { version, optional: true, ...(meta.dev ? { dev: true } : {}) };
    if (os === "wasm32") entry.cpu = ["wasm32"];
    else Object.assign(entry, { os: [os], cpu: [cpu], ...(LIBC[abi] ? { libc: [LIBC[abi]] } : {}) });
    pkgs[`node_modules/${dep}`] = entry;
    added.push(dep);
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added.length} platform entries to ${file}`);
