#!/usr/bin/env node
// SDK benchmarks (issue 4 §7). Plain node; spawns each piece in its own process and prints a
// table. Needs the local NATS and Redis, and a build of sdk-node (done here if missing).
// Usage: node bench/sdk/run.mjs [--rounds N]   (not part of `npm test`)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;
const PEERS = ['tailslide', 'unleash', 'growthbook', 'flagd'];

if (
  !existsSync(resolve(root, 'sdk-node/dist/index.js')) ||
  !existsSync(resolve(root, 'contracts/dist/index.js'))
) {
  console.log('building sdk-node …');
  execFileSync('npx', ['tsc', '-b', 'sdk-node/tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}

function node(args) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr || r.stdout}`);
  const line = r.stdout.trim().split('\n').at(-1);
  return JSON.parse(line);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};
const fmt = (n, d = 0) => (n === null || n === undefined ? 'n/a' : n.toFixed(d));

// Evaluation: every peer in a fresh process, order rotated each round.
const evals = Object.fromEntries(PEERS.map((p) => [p, []]));
for (let r = 0; r < ROUNDS; r++) {
  const order = PEERS.map((_, i) => PEERS[(i + r) % PEERS.length]);
  for (const peer of order) {
    process.stdout.write(`round ${r + 1}/${ROUNDS}: ${peer} … `);
    const res = node([
      '--expose-gc',
      '--max-semi-space-size=64',
      resolve(here, 'eval-peer.mjs'),
      peer,
    ]);
    evals[peer].push(res);
    console.log(`${fmt(res.p50, 1)} ns`);
  }
}
process.stdout.write('emitSuccess … ');
const emit = node([resolve(here, 'emit.mjs')]);
console.log(`${fmt(emit.amortisedNs, 2)} ns amortised`);
process.stdout.write('OpenFeature layer … ');
const of = node([resolve(here, 'openfeature.mjs')]);
console.log(`${fmt(of.provider, 0)} ns`);
process.stdout.write('propagation (100 SDK instances, each with its own SDK key) … ');
const prop = node([resolve(here, 'propagation.mjs'), '100', '100']);
console.log(`p99 ${fmt(prop.p99, 2)} ms, start-up p50 ${fmt(prop.startupP50, 1)} ms`);
process.stdout.write('fleet (1,000 SDK instances in 4 processes) … ');
const fleet = node([resolve(here, 'fleet.mjs'), '1000', '4', '20']);
console.log(`p99 ${fmt(fleet.p99, 2)} ms`);

const summary = PEERS.map((peer) => {
  const runs = evals[peer];
  return {
    peer,
    version: runs[0].version,
    share: median(runs.map((x) => x.share)),
    p50: median(runs.map((x) => x.p50)),
    min: Math.min(...runs.map((x) => x.p50)),
    max: Math.max(...runs.map((x) => x.p50)),
    p99: median(runs.map((x) => x.p99)),
    bytes: median(runs.map((x) => x.bytes ?? NaN)),
  };
});
const ours = summary[0];
const names = {
  tailslide: '@tailslide/sdk-node isFlagActive',
  unleash: 'unleash-client isEnabled (bootstrap)',
  growthbook: '@growthbook/growthbook isOn',
  flagd: '@openfeature/flagd-core resolveBoolean',
};

console.log('');
console.log(
  `Machine: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, Node ${process.version}, ${ROUNDS} round(s), fresh process per peer`,
);
console.log(
  'Rule: 10 whitelisted ids, then 50 % rollout; 4,096 random UUID users in turn; each peer sanity-checked at 50 % ± 2 %',
);
console.log('');
console.log(
  '| Evaluator | version | on % | median ns/eval (min–max) | p99 ns | bytes/eval | ours is × faster |',
);
console.log('|---|---|---|---|---|---|---|');
for (const s of summary) {
  console.log(
    `| ${names[s.peer]} | ${s.version} | ${fmt(s.share * 100, 1)} | ${fmt(s.p50, 1)} (${fmt(s.min, 0)}–${fmt(s.max, 0)}) | ${fmt(s.p99, 0)} | ${fmt(s.bytes, 1)} | ${s.peer === 'tailslide' ? '—' : fmt(s.p50 / ours.p50, 1)} |`,
  );
}
console.log('');
console.log('| Other | value |');
console.log('|---|---|');
console.log(`| emitSuccess, mitata median per call | ${fmt(emit.p50, 2)} ns |`);
console.log(
  `| emitSuccess amortised over 3 s incl. 250 ms flushes to Redis | ${fmt(emit.amortisedNs, 2)} ns (${emit.flushes} flushes, ${emit.dropped} dropped) |`,
);
console.log(
  `| KV put → visible in isFlagActive, ${prop.instances} SDK instances (one SDK key each, NATS in operator/JWT mode) × ${prop.changes} changes: p50 / p99 / max | ${fmt(prop.p50, 2)} / ${fmt(prop.p99, 2)} / ${fmt(prop.max, 2)} ms |`,
);
console.log(
  `| cold start (initialize() to ready), p50 over ${prop.instances} instances started together | ${fmt(prop.coldStartP50, 1)} ms |`,
);
console.log(
  `| start-up with an SDK key (new FlagManager → initialize() ready), one at a time: p50 / p99 | ${fmt(prop.startupP50, 1)} / ${fmt(prop.startupP99, 1)} ms |`,
);
console.log(
  `| KV put → visible, fleet of ${fleet.instances} instances in ${fleet.processes} processes × ${fleet.changes} changes: p50 / p99 / max | ${fmt(fleet.p50, 2)} / ${fmt(fleet.p99, 2)} / ${fmt(fleet.max, 2)} ms |`,
);

const unleash = summary.find((s) => s.peer === 'unleash');
const flagd = summary.find((s) => s.peer === 'flagd');
const goals = [
  ['isFlagActive median ≤ 150 ns', ours.p50 <= 150],
  ['≥ 10× faster than unleash-client', unleash.p50 / ours.p50 >= 10],
  ['≥ 4× faster than flagd-core', flagd.p50 / ours.p50 >= 4],
  ['≤ 64 bytes allocated per evaluation', ours.bytes <= 64],
  ['emitSuccess ≤ 50 ns amortised', emit.amortisedNs <= 50],
  ['rule change visible p99 ≤ 20 ms with 100 instances (each with an SDK key)', prop.p99 <= 20],
  ['SDK start-up with an SDK key ≤ 100 ms p50', prop.startupP50 <= 100],
  ['rule change visible p99 ≤ 50 ms with 1,000 instances (issue 14)', fleet.p99 <= 50],
];
console.log('');
for (const [goal, ok] of goals) console.log(`${ok ? 'PASS' : 'MISS'}  ${goal}`);
