// Prints vitest's JSON results (one file per run: the suite, then the bundled-handler run) as the one closing line CI reads: "N passed, N failed".
import { existsSync, readFileSync } from "node:fs";

const files = process.argv.length > 2 ? process.argv.slice(2) : [".vitest-results.json"];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  // A run that wrote no results (it could not start) is a failure.
  if (!existsSync(file)) {
    failed += 1;
    continue;
  }
  const result = JSON.parse(readFileSync(file, "utf8"));
  passed += result.numPassedTests;
  // A file that fails to load has no failed test but is a failure all the same.
  failed += result.numFailedTests > 0 ? result.numFailedTests : (result.numFailedTestSuites ?? 0);
  skipped += result.numPendingTests + (result.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
