// Timing helpers of the benchmarks: a bounded concurrent load loop, percentiles, and tables printed as Markdown so they paste into docs/quality.md.
import { performance } from "node:perf_hooks";

export interface LoadResult {
  /** Latency of each measured request, in ms, in completion order. */
  latencies: number[];
  /** Wall time of the measured requests, in ms. */
  elapsedMs: number;
}

/**
 * Sends `count` requests with `concurrency` in flight and times each.
 * `request(i, worker)` must throw on a wrong answer, so a benchmark never times errors as successes; `worker`
 * (0..concurrency-1) lets a write benchmark give each in-flight request its own item.
 */
export async function load(
  options: { concurrency: number; count: number },
  request: (i: number, worker: number) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async (w: number) => {
    while (next < options.count) {
      const i = next++;
      const started = performance.now();
      await request(i, w);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  return { latencies, elapsedMs: performance.now() - started };
}

/** The p-th percentile (0-100) by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (values: number[]) => percentile(values, 50);

export const ms = (value: number) => value.toFixed(2);

export const ratio = (value: number) => `${value.toFixed(2)}x`;

export const verdict = (met: boolean) => (met ? "met" : "NOT met");

/** A Markdown table with the columns padded, readable in a terminal and pasteable as is. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |`;
  return [line(cells[0]!), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...cells.slice(1).map(line)].join(
    "\n",
  );
}

/** The line `bench/run.ts` collects into its summary. */
export function summary(text: string): void {
  console.log(`summary: ${text}`);
}
