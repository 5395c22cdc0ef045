// Prints one closing line for the whole run ("N passed, N failed") from the runners' JSON reports,
// and exits non-zero when any test or any non-test stage (typecheck, lint, build) failed.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const [reportDir, ...failedStages] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];

for (const name of ["unit", "integration"]) {
  const file = path.join(reportDir, `${name}.json`);
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, "utf8"));
  // A file that fails to load runs no test at all; it still counts as a failure.
  const brokenFiles = (report.testResults ?? []).filter((file) => file.status === "failed" && (file.assertionResults ?? []).length === 0).length;
  rows.push([name, report.numPassedTests, report.numFailedTests + brokenFiles, report.numPendingTests + report.numTodoTests]);
  passed += report.numPassedTests;
  failed += report.numFailedTests + brokenFiles;
  skipped += report.numPendingTests + report.numTodoTests;
}

const e2eFile = path.join(reportDir, "e2e.json");
if (existsSync(e2eFile)) {
  const { stats } = JSON.parse(readFileSync(e2eFile, "utf8"));
  rows.push(["e2e", stats.expected + stats.flaky, stats.unexpected, stats.skipped]);
  passed += stats.expected + stats.flaky;
  failed += stats.unexpected;
  skipped += stats.skipped;
}

console.log("\nsuite          passed  failed  skipped");
for (const [name, p, f, s] of rows) console.log(`${name.padEnd(14)} ${String(p).padStart(6)}  ${String(f).padStart(6)}  ${String(s).padStart(7)}`);
if (failedStages.length > 0) console.log(`failed stages: ${failedStages.join(", ")}`);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || failedStages.length > 0 ? 1 : 0);
