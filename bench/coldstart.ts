// Benchmark: each function bundled as the CDK stack bundles it, its size, and the time Node takes to load it (module initialisation), against a bundle that only creates a DynamoDB client.
import {
  bareHandler,
  functionEntries,
  lambdaBundling,
  loader,
  runtimeNode,
  runtimeNodeVersion,
} from "./support/bundle-loader";
import "./support/env";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { functionEnvironment } from "../infra/constructs/function";
import { freePort } from "../infra/local/free-port";
import { median, ms, ratio, summary, table, verdict } from "./support/measure";
import { runBench } from "./support/servers";

/** Issue 7: a bundle of at most 300 KB (minified, without the AWS SDK the runtime provides) ... */
const TARGET_KB = 300;
/** ... that initialises in at most 1.5x the time of a handler that only creates its DynamoDB client. */
const TARGET_INIT_RATIO = 1.5;

/**
 * Rounds of loads. A round loads every bundle once in each mode, in a new random order, so a busy moment of the shared
 * machine hits all of them alike; a function's ratio in a round is its time over the baseline's in the same round and mode.
 */
const RUNS = 25;
/** Past this the rounds stop (with at least MIN_RUNS done), so `npm run bench` ends even on a machine far slower than expected. */
const DEADLINE_MS = 140_000;
const MIN_RUNS = 10;

const projectRoot = fileURLToPath(new URL("..", import.meta.url));

/** What every bundle is built with: as the CDK stack builds it (bench/support/bundle-loader.ts). */
const bundling = lambdaBundling;

/** A way to start Node: as deployed (the functions' NODE_OPTIONS), and the other way round as to source maps, for comparison. */
interface Mode {
  label: string;
  nodeOptions: string;
}

const deployedOptions = functionEnvironment.NODE_OPTIONS ?? "";
const deployedMaps = /--enable-source-maps\b/.test(deployedOptions);
const modes: Mode[] = [
  {
    label: `as deployed (${deployedOptions ? `NODE_OPTIONS=${deployedOptions}` : "no NODE_OPTIONS"})`,
    nodeOptions: deployedOptions,
  },
  deployedMaps
    ? {
        label: "without --enable-source-maps",
        nodeOptions: deployedOptions.replace(/\s*--enable-source-maps\b/, "").trim(),
      }
    : { label: "with --enable-source-maps", nodeOptions: `${deployedOptions} --enable-source-maps`.trim() },
];

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
    ...("file" in entry
      ? { entryPoints: [join(projectRoot, entry.file)] }
      : { stdin: { contents: entry.contents, loader: "ts", resolveDir: projectRoot, sourcefile: "bare-handler.ts" } }),
  });
  const byPackage = new Map<string, number>();
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith(".js"))![1];
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
    byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput / 1024);
  const parts = [...byPackage].sort((a, b) => b[1] - a[1]);
  return { name, file, kb: statSync(file).size / 1024, mapKb: statSync(`${file}.map`).size / 1024, parts };
}

/** One load: its wall time, and that time less the loading thread's wait for a CPU. */
interface Load {
  wall: number;
  init: number;
}

function load(bundlePath: string, env: NodeJS.ProcessEnv, mode: Mode): Load {
  const out = spawnSync(runtimeNode, ["-e", loader], {
    env: { ...env, ...(mode.nodeOptions ? { NODE_OPTIONS: mode.nodeOptions } : {}), BENCH_BUNDLE: bundlePath },
    encoding: "utf8",
    timeout: 30_000,
  });
  let figures: { wall: number; waited: number } | undefined;
  try {
    figures = JSON.parse(out.stdout.trim().split("\n").pop()!) as { wall: number; waited: number };
  } catch {
    figures = undefined;
  }
  if (out.status !== 0 || !figures || !Number.isFinite(figures.wall))
    throw new Error(`Loading ${bundlePath} failed (${out.status}): ${out.stderr.slice(0, 1000)}`);
  return { wall: figures.wall, init: figures.wall - figures.waited };
}

/** The same items in a random order (Fisher-Yates). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A function's figures in one mode: its loads, and its time over the baseline's in each round (init and wall). */
interface Figures {
  loads: Load[];
  ratios: number[];
  wallRatios: number[];
}

async function main() {
  const outdir = mkdtempSync(join(tmpdir(), "twin-access-bench-"));
  try {
    const entries = functionEntries();
    const base = await bundle(outdir, "bare-client", { contents: bareHandler });
    const bundles = [base, ...(await Promise.all(entries.map((e) => bundle(outdir, e.name, { file: e.file }))))];

    // What the stack sets, and what the runtime gives; endpoints name unused loopback ports, since loading a module calls nothing.
    const unused = `http://127.0.0.1:${await freePort()}`;
    const { NODE_OPTIONS: _nodeOptions, ...stackEnvironment } = functionEnvironment;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      // The runtime provides the AWS SDK; here it comes from the project's node_modules.
      NODE_PATH: join(projectRoot, "node_modules"),
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      ...stackEnvironment,
      TABLE_NAME: "twin-access-bench",
      DYNAMODB_ENDPOINT: unused,
      SES_ENDPOINT: unused,
      SENDER_EMAIL: "no-reply@example.com",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };

    const figures = new Map(
      bundles.map((b) => [b.name, modes.map((): Figures => ({ loads: [], ratios: [], wallRatios: [] }))]),
    );
    const plan = bundles.flatMap((b) => modes.map((mode, m) => ({ b, mode, m })));
    // One round unmeasured first: it brings the bundles and the SDK into the page cache.
    for (const { b, mode } of plan) load(b.file, env, mode);
    const deadline = performance.now() + DEADLINE_MS;
    let rounds = 0;
    while (rounds < RUNS) {
      if (performance.now() > deadline) {
        if (rounds >= MIN_RUNS) break;
        throw new Error(
          `coldstart: ${rounds} rounds of loads took more than ${DEADLINE_MS / 1000} s (at least ${MIN_RUNS} needed); stopped`,
        );
      }
      const round = new Map<string, Load>();
      for (const { b, mode, m } of shuffled(plan)) round.set(`${b.name} ${m}`, load(b.file, env, mode));
      for (const { b, m } of plan) {
        const f = figures.get(b.name)![m]!;
        const mine = round.get(`${b.name} ${m}`)!;
        const baseline = round.get(`${base.name} ${m}`)!;
        f.loads.push(mine);
        f.ratios.push(mine.init / baseline.init);
        f.wallRatios.push(mine.wall / baseline.wall);
      }
      rounds++;
    }

    const stats = (b: Bundle, m: number) => {
      const f = figures.get(b.name)![m]!;
      const init = f.loads.map((l) => l.init);
      return {
        median: median(init),
        min: Math.min(...init),
        wall: median(f.loads.map((l) => l.wall)),
        ratio: median(f.ratios),
        wallRatio: median(f.wallRatios),
      };
    };
    const meets = (b: Bundle) => stats(b, 0).ratio <= TARGET_INIT_RATIO;

    console.log(
      `\n## Bundles (esbuild as NodejsFunction: ${bundling.target}, cjs, minified, @aws-sdk/* external) and module initialisation on Node ${runtimeNodeVersion}, ${rounds} rounds of loads\n`,
    );
    console.log(
      `A = ${modes[0]!.label}, where the target applies; B = ${modes[1]!.label}. Init ms: median / fastest of the ${rounds} loads, each less the ` +
        `time its thread waited for a CPU (Linux schedstat). vs baseline: the median of the per-round ratios to the baseline (same round, same mode). ` +
        `Wall: the same without taking the wait out.\n`,
    );
    const rows = bundles.map((b) => {
      const isBase = b === base;
      const [a, other] = [stats(b, 0), stats(b, 1)];
      return {
        b,
        sizeMet: b.kb <= TARGET_KB,
        initMet: meets(b),
        cells: [
          isBase ? `${b.name} (baseline)` : b.name,
          b.kb.toFixed(1),
          b.mapKb.toFixed(1),
          isBase ? "-" : verdict(b.kb <= TARGET_KB),
          `${ms(a.median)} / ${ms(a.min)}`,
          isBase ? "1.00x" : ratio(a.ratio),
          isBase ? "-" : verdict(meets(b)),
          `${ms(a.wall)} (${isBase ? "1.00x" : ratio(a.wallRatio)})`,
          `${ms(other.median)} / ${ms(other.min)}`,
          isBase ? "1.00x" : ratio(other.ratio),
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
          "A: init ms",
          "A: vs baseline",
          `<= ${TARGET_INIT_RATIO}x`,
          "A: wall ms (vs baseline)",
          "B: init ms",
          "B: vs baseline",
        ],
        rows.map((r) => r.cells),
      ),
    );
    const functions = rows.filter((r) => r.b !== base);
    console.log(`\nWhere the size comes from (KB of minified output by package, largest first)\n`);
    console.log(
      table(
        ["function", "largest parts"],
        functions.map((r) => [
          r.b.name,
          r.b.parts
            .slice(0, 6)
            .map(([p, kb]) => `${p} ${kb.toFixed(0)}`)
            .join(", "),
        ]),
      ),
    );
    const bigger = functions.filter((r) => !r.sizeMet).map((r) => r.b.name);
    const slower = functions.filter((r) => !r.initMet).map((r) => r.b.name);
    const worst = (m: number, which: "ratio" | "wallRatio") => Math.max(...functions.map((r) => stats(r.b, m)[which]));
    console.log(
      `\nSize: ${functions.length - bigger.length} of ${functions.length} bundles within ${TARGET_KB} KB${bigger.length ? ` (over: ${bigger.join(", ")})` : ""}. ` +
        `Initialisation ${modes[0]!.label}: ${functions.length - slower.length} of ${functions.length} within ${TARGET_INIT_RATIO}x the bare client` +
        `${slower.length ? ` (over: ${slower.join(", ")})` : ""}; the slowest is ${ratio(worst(0, "ratio"))} (wall ${ratio(worst(0, "wallRatio"))}); ` +
        `${modes[1]!.label} ${ratio(worst(1, "ratio"))}.`,
    );
    summary(
      `coldstart: largest bundle ${Math.max(...functions.map((r) => r.b.kb)).toFixed(1)} KB (target <= ${TARGET_KB} KB: ${verdict(!bigger.length)}); ` +
        `slowest init ${ratio(worst(0, "ratio"))} the bare client ${modes[0]!.label} (target <= ${TARGET_INIT_RATIO}x: ${verdict(!slower.length)}; ` +
        `wall ${ratio(worst(0, "wallRatio"))}); ${ratio(worst(1, "ratio"))} ${modes[1]!.label}`,
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

runBench(main);
