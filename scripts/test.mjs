#!/usr/bin/env node
// Runs the whole Vitest suite (unit, integration, browser) and fails on any failed OR skipped
// test: a skipped test hides a gap. Extra arguments go to Vitest (e.g. `--project sdk-node`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

const out = '.artifacts/vitest-results.json';
mkdirSync('.artifacts', { recursive: true });
rmSync(out, { force: true });
const args = [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${out}`,
  ...process.argv.slice(2),
];
const run = spawnSync('npx', args, { stdio: 'inherit' });

let report;
try {
  report = JSON.parse(readFileSync(out, 'utf8'));
} catch {
  console.error('test run produced no report');
  process.exit(run.status || 1);
}
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const suitesFailed = report.numFailedTestSuites ?? 0;
if (skipped > 0) {
  for (const file of report.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') {
        console.error(`skipped: ${file.name} > ${t.fullName}`);
      }
    }
  }
}
console.log(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || suitesFailed > 0 || skipped > 0 || passed === 0 || run.status !== 0)
  process.exit(1);
