// Benchmark: each function bundled as the CDK stack bundles it, its size, and the time Node takes to load it (module initialisation), against a bundle that only creates a DynamoDB client.
import "./support/env";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type BuildOptions } from "esbuild";
import { freePort } from "../infra/local/free-port";
import { routeList } from "../shared/http/routes";
import { median, ms, ratio, summary, table, verdict } from "./support/measure";
import { runBench } from "./support/servers";

/** Issue 7: a bundle of at most 300 KB (minified, without the AWS SDK the runtime provides) ... */
const TARGET_KB = 300;
/** ... that initialises in at most 1.5x the time of a handler that only creates its DynamoDB client. */
const TARGET_INIT_RATIO = 1.5;

/** Loads of each bundle; the median is reported. Runs alternate between bundles so a busy moment of the machine hits all of them. */
const RUNS = 15;
/** The loads stop here, so `npm run bench` ends even on a machine far slower than expected. */
const DEADLINE_MS = 150_000;

const projectRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * The options NodejsFunction passes to esbuild for ServiceFunction (infra/constructs/function.ts): bundle, platform node,
 * the runtime's target (NODEJS_24_X -> node24), CommonJS (its default), minify, source map without sources, AWS SDK external.
 */
const bundling: BuildOptions = {
  bundle: true,
  platform: "node",
  target: "node24",
  format: "cjs",
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  external: ["@aws-sdk/*"],
  logLevel: "error",
};

/** What every function is measured against: a handler whose module only creates the document client, as the app's store does. */
const bareHandler = `
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async () => ({ statusCode: 200, body: String(Boolean(ddb)) });
`;

/** Requires the bundle and prints how long that took: the module initialisation a cold start pays before the first event. */
const loader = `
const { performance } = require("node:perf_hooks");
const started = performance.now();
require(process.env.BENCH_BUNDLE);
process.stdout.write("\\n" + (performance.now() - started));
process.exit(0);
`;

interface Bundle {
  name: string;
  file: string;
  kb: number;
  mapKb: number;
  /** KB of the minified output by npm package (or "(this project)"), largest first: where the size comes from. */
  parts: [string, number][];
}

/** The package a bundled input belongs to, e.g. `node_modules/@middy/core/index.js` -> `@middy/core`. */
function packageOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return m ? m[1]! : "(this project)";
}

async function bundle(outdir: string, name: string, entry: { file: string } | { contents: string }): Promise<Bundle> {
  const file = join(outdir, name, "index.js");
  const result = await build({
    ...bundling,
    metafile: true,
    outfile: file,
    ...("file" in entry ? { entryPoints: [join(projectRoot, entry.file)] } : { stdin: { contents: entry.contents, loader: "ts", resolveDir: projectRoot, sourcefile: "bare-handler.ts" } }),
  });
  const byPackage = new Map<string, number>();
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith(".js"))![1];
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput / 1024);
  const parts = [...byPackage].sort((a, b) => b[1] - a[1]);
  return { name, file, kb: statSync(file).size / 1024, mapKb: statSync(`${file}.map`).size / 1024, parts };
}

function initTime(bundlePath: string, env: NodeJS.ProcessEnv, sourceMaps: boolean): number {
  const out = spawnSync(process.execPath, [...(sourceMaps ? ["--enable-source-maps"] : []), "-e", loader], {
    env: { ...env, BENCH_BUNDLE: bundlePath },
    encoding: "utf8",
    timeout: 30_000,
  });
  const value = Number(out.stdout.trim().split("\n").pop());
  if (out.status !== 0 || !Number.isFinite(value)) throw new Error(`Loading ${bundlePath} failed (${out.status}): ${out.stderr.slice(0, 1000)}`);
  return value;
}

async function main() {
  const outdir = mkdtempSync(join(tmpdir(), "twin-access-bench-"));
  try {
    // The functions of infra/stack.ts: one per route group found in the route table, and the tick.
    const groups = [...new Set(routeList.map((r) => r.group))];
    const entries = [...groups.map((g) => ({ name: `http/${g}`, file: `functions/http/${g}.ts` })), { name: "trigger/tick", file: "functions/trigger/tick.ts" }];
    const base = await bundle(outdir, "bare-client", { contents: bareHandler });
    const bundles = [base, ...(await Promise.all(entries.map((e) => bundle(outdir, e.name, { file: e.file }))))];

    // What the stack sets, and what the runtime gives; endpoints name unused loopback ports, since loading a module calls nothing.
    const unused = `http://127.0.0.1:${await freePort()}`;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      // The runtime provides the AWS SDK; here it comes from the project's node_modules.
      NODE_PATH: join(projectRoot, "node_modules"),
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      TABLE_NAME: "twin-access-bench",
      DYNAMODB_ENDPOINT: unused,
      SES_ENDPOINT: unused,
      SENDER_EMAIL: "no-reply@example.com",
      POWERTOOLS_SERVICE_NAME: "twin-access",
      POWERTOOLS_LOG_LEVEL: "INFO",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };

    const times = new Map(bundles.map((b) => [b.name, { maps: [] as number[], plain: [] as number[] }]));
    const deadline = performance.now() + DEADLINE_MS;
    for (let run = 0; run < RUNS; run++) {
      if (performance.now() > deadline) throw new Error(`coldstart: ${run} of ${RUNS} rounds of loads took more than ${DEADLINE_MS / 1000} s; stopped`);
      for (const b of bundles) {
        times.get(b.name)!.maps.push(initTime(b.file, env, true));
        times.get(b.name)!.plain.push(initTime(b.file, env, false));
      }
    }
    const baseMaps = median(times.get(base.name)!.maps);
    const basePlain = median(times.get(base.name)!.plain);

    console.log(`\n## Bundles (esbuild as NodejsFunction: ${bundling.target}, cjs, minified, @aws-sdk/* external) and module initialisation, median of ${RUNS} loads\n`);
    const rows = bundles.map((b) => {
      const t = times.get(b.name)!;
      const withMaps = median(t.maps);
      const plain = median(t.plain);
      const isBase = b === base;
      return {
        b,
        sizeMet: b.kb <= TARGET_KB,
        initMet: withMaps / baseMaps <= TARGET_INIT_RATIO,
        cells: [
          isBase ? `${b.name} (baseline)` : b.name,
          b.kb.toFixed(1),
          b.mapKb.toFixed(1),
          isBase ? "-" : verdict(b.kb <= TARGET_KB),
          ms(withMaps),
          isBase ? "1.00x" : ratio(withMaps / baseMaps),
          isBase ? "-" : verdict(withMaps / baseMaps <= TARGET_INIT_RATIO),
          ms(plain),
          isBase ? "1.00x" : ratio(plain / basePlain),
        ],
      };
    });
    console.log(
      table(
        [
          "function",
          "bundle KB",
          "source map KB",
          `<= ${TARGET_KB} KB`,
          "init ms (--enable-source-maps, as deployed)",
          "vs baseline",
          `<= ${TARGET_INIT_RATIO}x`,
          "init ms (no source maps)",
          "vs baseline",
        ],
        rows.map((r) => r.cells),
      ),
    );
    const functions = rows.filter((r) => r.b !== base);
    console.log(`\nWhere the size comes from (KB of minified output by package, largest first)\n`);
    console.log(table(["function", "largest parts"], functions.map((r) => [r.b.name, r.b.parts.slice(0, 6).map(([p, kb]) => `${p} ${kb.toFixed(0)}`).join(", ")])));
    const bigger = functions.filter((r) => !r.sizeMet).map((r) => r.b.name);
    const slower = functions.filter((r) => !r.initMet).map((r) => r.b.name);
    const worst = Math.max(...functions.map((r) => median(times.get(r.b.name)!.maps) / baseMaps));
    console.log(
      `\nSize: ${functions.length - bigger.length} of ${functions.length} bundles within ${TARGET_KB} KB${bigger.length ? ` (over: ${bigger.join(", ")})` : ""}. ` +
        `Initialisation: ${functions.length - slower.length} of ${functions.length} within ${TARGET_INIT_RATIO}x the bare client${slower.length ? ` (over: ${slower.join(", ")})` : ""}; the slowest is ${ratio(worst)}.`,
    );
    summary(
      `coldstart: largest bundle ${Math.max(...functions.map((r) => r.b.kb)).toFixed(1)} KB (target <= ${TARGET_KB} KB: ${verdict(!bigger.length)}); ` +
        `slowest init ${ratio(worst)} the bare client (target <= ${TARGET_INIT_RATIO}x: ${verdict(!slower.length)})`,
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

runBench(main);
