// The esbuild bundles `cdk deploy` uploads, for the local stack and tests (LOCAL_HANDLERS=bundled): synthesizes cdk.out when it is older than the code, finds each function's asset and loads its index.js.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import type { FunctionGroup } from "../../shared/http/route";
import type { LambdaHandler } from "../../shared/http/handler";

const root = join(import.meta.dirname, "..", "..");
const cdkOut = join(root, "cdk.out");

/** Which handlers the local stack and the tests serve: the TypeScript sources (default) or the deployed bundles. */
export const bundledHandlers = (): boolean => process.env.LOCAL_HANDLERS === "bundled";

/** What a bundle is built from: a change to any of these makes cdk.out stale. */
const inputs = ["functions", "shared", "infra", "package-lock.json", "cdk.json"];

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** Why cdk.out must be synthesized again, or undefined when it is current. */
function staleness(): string | undefined {
  const manifest = join(cdkOut, "manifest.json");
  if (!existsSync(manifest)) return "cdk.out is missing";
  const built = statSync(manifest).mtimeMs;
  const changed = inputs.find((input) => existsSync(join(root, input)) && newest(join(root, input)) > built);
  return changed ? `${changed} changed since cdk.out was synthesized` : undefined;
}

/** Synthesizes the stack (esbuild bundles every function) when cdk.out is missing or older than the code, and says so. */
export function ensureSynthesized(log: (line: string) => void = console.log): void {
  const reason = staleness();
  if (!reason) return;
  log(`LOCAL_HANDLERS=bundled: ${reason}; synthesizing the CDK stack (npx cdk synth --quiet) to build the bundles…`);
  const started = Date.now();
  execFileSync("npx", ["cdk", "synth", "--quiet"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  log(`LOCAL_HANDLERS=bundled: synthesized in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * The asset directory of every function, by name (HTTP groups and `tick`), read from the cloud assembly as `cdk deploy`
 * reads it: each Lambda's Code.S3Key names the asset in the stack's assets manifest, whose source is the directory.
 */
export function bundleDirs(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(cdkOut, "manifest.json"), "utf8")) as {
    artifacts: Record<string, { type: string }>;
  };
  const stackId = Object.keys(manifest.artifacts).find(
    (id) => manifest.artifacts[id]!.type === "aws:cloudformation:stack",
  );
  if (!stackId) throw new Error("cdk.out holds no stack; run npx cdk synth");
  const template = JSON.parse(readFileSync(join(cdkOut, `${stackId}.template.json`), "utf8")) as {
    Resources: Record<string, any>;
  };
  const assets = JSON.parse(readFileSync(join(cdkOut, `${stackId}.assets.json`), "utf8")).files as Record<
    string,
    { source: { path: string } }
  >;
  const dirs: Record<string, string> = {};
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== "AWS::Lambda::Function") continue;
    // The construct path says which function it is: <Stack>/Http<Group>/Function/Resource or <Stack>/Tick/Function/Resource.
    const path = String(resource.Metadata?.["aws:cdk:path"] ?? "");
    const match = /\/(?:Http(\w+)|(Tick))\/Function\/Resource$/.exec(path);
    const code = resource.Properties?.Code?.S3Key as string | undefined;
    if (!match || !code) continue;
    const name = match[2] ? "tick" : match[1]!.charAt(0).toLowerCase() + match[1]!.slice(1);
    const asset = assets[code.replace(/\.zip$/, "")];
    if (asset) dirs[name] = join(cdkOut, asset.source.path);
  }
  return dirs;
}

/**
 * Loads a bundle's index.js as Lambda does: as CommonJS (the zip has no package.json, and this repository's says
 * "module", so cdk.out gets one saying "commonjs"), without source maps (the functions run without
 * --enable-source-maps), resolving `@aws-sdk/*` (left out of the bundle for the runtime's SDK) from node_modules.
 */
export function loadBundle<T>(dir: string): T {
  const marker = join(cdkOut, "package.json");
  if (!existsSync(marker)) writeFileSync(marker, `${JSON.stringify({ type: "commonjs" })}\n`);
  const file = join(dir, "index.js");
  if (!existsSync(file)) throw new Error(`no bundle at ${relative(root, file)}; run npx cdk synth`);
  return createRequire(file)(file) as T;
}

/** Every HTTP group's handler from its bundle. */
export function loadBundledHandlers(groups: readonly FunctionGroup[]): Record<string, LambdaHandler> {
  const dirs = bundleDirs();
  const loaded: Record<string, LambdaHandler> = {};
  for (const group of groups) {
    const dir = dirs[group];
    if (!dir) throw new Error(`cdk.out has no function for the group '${group}'; run npx cdk synth`);
    loaded[group] = loadBundle<{ handler: LambdaHandler }>(dir).handler;
  }
  return loaded;
}

/** The tick function from its bundle. */
export function loadBundledTick(): (event: unknown) => Promise<unknown> {
  const dir = bundleDirs().tick;
  if (!dir) throw new Error("cdk.out has no tick function; run npx cdk synth");
  return loadBundle<{ handler: (event: unknown) => Promise<unknown> }>(dir).handler;
}
