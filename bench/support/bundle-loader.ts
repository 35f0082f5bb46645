// The script a benchmark runs in a fresh Node process to time loading one bundle (BENCH_BUNDLE): it prints one JSON line,
// { wall, waited }, where `waited` is how long the loading thread waited for a CPU meanwhile (Linux schedstat; 0
// elsewhere): on a shared machine that wait is other processes', not the bundle's.
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
