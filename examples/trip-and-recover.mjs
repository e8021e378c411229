#!/usr/bin/env node
// See Tailslide work end to end against a running platform (`npm start` or `docker compose up`):
// creates an app and a flag through Tower's API, runs an SDK client that serves "traffic",
// breaks the feature so Airbag trips the circuit, then heals it and watches the ramp back to
// 100 %. Usage: node examples/trip-and-recover.mjs [towerUrl] [--cleanup]   (needs `npm run build`)
// The app stays, so its dashboard link keeps working; `--cleanup` deletes it at the end.
// Credentials of an admin (the example creates the app's SDK key, which only admins may):
// TAILSLIDE_API_TOKEN (an admin API token, tst_…), or an email and password in TAILSLIDE_EMAIL /
// TAILSLIDE_PASSWORD (falling back to TAILSLIDE_ADMIN_EMAIL / TAILSLIDE_ADMIN_PASSWORD), or else
// the first admin `npm start` generated (.tailslide/first-admin.json, or TAILSLIDE_DATA_DIR's).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlagManager } from '../sdk-node/dist/index.js';

const args = process.argv.slice(2);
const cleanup = args.includes('--cleanup');
const tower = args.find((a) => !a.startsWith('--')) ?? 'http://localhost:3000';
// `npm start` runs its NATS on 4322 (operator/JWT mode); compose publishes 4222.
const nats = process.env.NATS_URL ?? 'nats://127.0.0.1:4322';
const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const flagsBucket = process.env.TAILSLIDE_FLAGS_BUCKET; // only when Tower uses a non-default bucket
const redisPrefix = process.env.TAILSLIDE_REDIS_PREFIX; // likewise for the Redis prefix

/** `Authorization` or `Cookie` header for the API: the token given, or a session from a login. */
async function credentials() {
  if (process.env.TAILSLIDE_API_TOKEN)
    return { authorization: `Bearer ${process.env.TAILSLIDE_API_TOKEN}` };
  let email = process.env.TAILSLIDE_EMAIL ?? process.env.TAILSLIDE_ADMIN_EMAIL;
  let password = process.env.TAILSLIDE_PASSWORD ?? process.env.TAILSLIDE_ADMIN_PASSWORD;
  const firstAdmin = join(
    process.env.TAILSLIDE_DATA_DIR ?? join(import.meta.dirname, '..', '.tailslide'),
    'first-admin.json',
  );
  if ((!email || !password) && existsSync(firstAdmin))
    ({ email, password } = JSON.parse(readFileSync(firstAdmin, 'utf8')));
  if (!email || !password) {
    console.error(
      `Set TAILSLIDE_API_TOKEN, or TAILSLIDE_EMAIL and TAILSLIDE_PASSWORD (no ${firstAdmin}).`,
    );
    process.exit(2);
  }
  const res = await fetch(`${tower}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`login as ${email}: ${res.status} ${await res.text()}`);
  return { cookie: res.headers.get('set-cookie').split(';')[0] };
}
const auth = await credentials();

async function api(method, path, body) {
  const res = await fetch(`${tower}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...auth },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = res.status === 204 ? undefined : await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const app = await api('POST', '/api/apps', { title: `Demo ${new Date().toISOString()}` });
const flag = await api('POST', `/api/apps/${app.id}/flags`, {
  key: 'new-checkout',
  title: 'New checkout',
  active: true,
  rolloutPercentage: 100,
  circuit: {
    errorThresholdPercentage: 50,
    minimumRequests: 20,
    windowMs: 5_000,
    recoveryDelayMs: 3_000,
    recoveryStepMs: 2_000,
    initialRecoveryPercentage: 25,
    recoveryIncrementPercentage: 25,
  },
});
console.log(`app ${app.id}, flag ${flag.key}: open ${tower}/apps/${app.id}/flags/${flag.key}`);

// The app's SDK key: NATS and Redis let the SDK in with it only (an admin's call).
const keyRes = await api('POST', '/api/sdk-keys', {
  name: 'trip-and-recover example',
  appId: app.id,
});
const manager = new FlagManager({
  sdkKey: keyRes.key,
  nats,
  redis,
  ...(flagsBucket ? { flagsBucket } : {}),
  ...(redisPrefix ? { redisPrefix } : {}),
});
await manager.initialize();
const checkout = manager.newToggler({ flagName: 'new-checkout' });

let broken = true;
let served = 0;
const started = Date.now();
const traffic = setInterval(() => {
  // 200 requests/s from distinct users; the feature fails while `broken`.
  for (let i = 0; i < 20; i++) {
    const user = `user-${served++ % 5000}`;
    if (!checkout.isFlagActive(user)) continue;
    if (broken && Math.random() < 0.9) checkout.emitFailure();
    else checkout.emitSuccess();
  }
}, 100);

let last = '';
for (;;) {
  await new Promise((r) => setTimeout(r, 250));
  const f = await api('GET', `/api/apps/${app.id}/flags/new-checkout`);
  const state = `${f.circuitStatus.state} ${f.circuitStatus.recoveryPercentage}%`;
  if (state !== last) {
    console.log(`${((Date.now() - started) / 1000).toFixed(1)} s  ${state}`);
    last = state;
  }
  if (f.circuitStatus.state === 'open' && broken) {
    console.log('        → the circuit opened; fixing the feature');
    broken = false;
  }
  if (!broken && f.circuitStatus.state === 'closed') break;
  if (Date.now() - started > 120_000) throw new Error('no full trip-and-recover within 2 min');
}
clearInterval(traffic);
const logs = await api('GET', `/api/apps/${app.id}/flags/new-checkout/logs`);
for (const e of [...logs.items].reverse()) console.log(`audit: ${e.at} ${e.actor} ${e.action}`);
await manager.close();
if (cleanup) {
  await api('DELETE', `/api/apps/${app.id}`);
  console.log(`deleted app ${app.id} (--cleanup)`);
} else {
  console.log(
    `kept app ${app.id}: ${tower}/apps/${app.id}/flags/${flag.key} (delete it there, or run with --cleanup)`,
  );
}
