// Prints vitest's JSON result as the one closing line CI reads: "N passed, N failed".
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2] ?? ".vitest-results.json";
if (!existsSync(file)) {
  console.log("0 passed, 1 failed");
  process.exit(0);
}
const result = JSON.parse(readFileSync(file, "utf8"));
// A file that fails to load has no failed test but is a failure all the same.
const failed = result.numFailedTests > 0 ? result.numFailedTests : (result.numFailedTestSuites ?? 0);
const skipped = result.numPendingTests + (result.numTodoTests ?? 0);
console.log(`${result.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
