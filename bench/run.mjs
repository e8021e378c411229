#!/usr/bin/env node
// `npm run bench`: runs every benchmark suite in its own process and prints their tables.
// Not part of `npm test`: speed and memory goals are checked here, never by timed assertions.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const suites = ['sdk', 'airbag', 'breaker', 'tower', 'story'];
const only = process.argv[2];
let failed = false;
for (const suite of suites) {
  if (only && only !== suite) continue;
  const entry = join(here, suite, 'run.mjs');
  if (!existsSync(entry)) continue;
  console.log(`\n### ${suite}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', entry], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
