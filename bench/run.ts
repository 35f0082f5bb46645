// `npm run bench`: runs every benchmark in its own process, one after the other, each within a time limit, and ends with their summaries.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { table } from "./support/measure";

/** Each benchmark, and how long it may run before it is stopped (its own deadline comes first; this catches a hang). */
const benchmarks = [
  { name: "latency", limitMs: 200_000 },
  { name: "requests", limitMs: 140_000 },
  { name: "coldstart", limitMs: 200_000 },
  { name: "tick", limitMs: 320_000 },
];

const projectRoot = fileURLToPath(new URL("..", import.meta.url));
const tsx = join(projectRoot, "node_modules", ".bin", "tsx");

interface Outcome {
  name: string;
  status: string;
  seconds: number;
  summaries: string[];
}

function runOne(name: string, limitMs: number): Promise<Outcome> {
  const started = Date.now();
  // Its own process group, so a stop takes DynamoDB Local (a Java child) down with it.
  const child = spawn(tsx, [join(projectRoot, "bench", `${name}.ts`)], {
    cwd: projectRoot,
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const summaries: string[] = [];
  let pending = "";
  child.stdout.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    const lines = (pending + chunk.toString()).split("\n");
    pending = lines.pop()!;
    for (const line of lines) if (line.startsWith("summary: ")) summaries.push(line.slice("summary: ".length));
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid!, "SIGKILL");
  }, limitMs);
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (pending.startsWith("summary: ")) summaries.push(pending.slice("summary: ".length));
      const status = timedOut ? `stopped after ${limitMs / 1000} s` : code === 0 ? "ok" : `failed (${code ?? signal})`;
      resolve({ name, status, seconds: (Date.now() - started) / 1000, summaries });
    });
  });
}

const outcomes: Outcome[] = [];
for (const { name, limitMs } of benchmarks) {
  console.log(`\n# bench/${name}.ts\n`);
  outcomes.push(await runOne(name, limitMs));
}

console.log("\n# Summary\n");
console.log(
  table(
    ["benchmark", "status", "seconds", "figures"],
    outcomes.map((o) => [o.name, o.status, o.seconds.toFixed(0), o.summaries.join("; ") || "-"]),
  ),
);
process.exitCode = outcomes.every((o) => o.status === "ok") ? 0 : 1;
