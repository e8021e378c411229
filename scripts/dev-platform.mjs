#!/usr/bin/env node
// `npm start`: runs the whole platform on this machine without Docker — Tower (API + dashboard on
// http://localhost:3000) and Airbag — against local PostgreSQL and Redis, and a nats-server of its
// own in operator/JWT mode (ADR 0007) on 127.0.0.1:4322 (TAILSLIDE_DEV_NATS_PORT), so SDK keys
// are enforced as in production. Once, under .tailslide/ (TAILSLIDE_DATA_DIR): the NATS keys
// (`cli.js nats-init`), a first app and its development SDK key, printed with an SDK snippet.
// Creates the `tailslide` database when it is missing. Ctrl-C stops every process.
// Needs `npm run build` first. Override any setting through the usual environment variables.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const towerMain = join(root, 'tower-server/dist/main.js');
const towerCli = join(root, 'tower-server/dist/cli.js');
const airbagMain = join(root, 'airbag/dist/main.js');
if (!existsSync(towerMain) || !existsSync(airbagMain)) {
  console.error('Build first: npm run build');
  process.exit(1);
}

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tailslide';
const dbName = new URL(databaseUrl).pathname.slice(1);
const adminUrl = new URL(databaseUrl);
adminUrl.pathname = '/postgres';
const admin = new pg.Client({ connectionString: adminUrl.toString() });
try {
  await admin.connect();
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
  if (rowCount === 0) {
    await admin.query(`CREATE DATABASE "${dbName.replaceAll('"', '""')}"`);
    console.log(`created database ${dbName}`);
  }
} catch (err) {
  console.error(`PostgreSQL not reachable at ${adminUrl.host}: ${err.message}`);
  process.exit(1);
} finally {
  await admin.end().catch(() => {});
}

// How to log in: the dashboard and the API need a user. Tower creates the first admin from
// TAILSLIDE_ADMIN_EMAIL / TAILSLIDE_ADMIN_PASSWORD (never a default password), or use the CLI.
const db = new pg.Client({ connectionString: databaseUrl });
let users = 0;
try {
  await db.connect();
  users = (await db.query('SELECT count(*)::int AS n FROM users')).rows[0].n;
} catch {
  // No users table yet: Tower creates it when it starts.
} finally {
  await db.end().catch(() => {});
}
const signIn = () => {
  if (process.env.TAILSLIDE_ADMIN_EMAIL && users === 0)
    return `log in as ${process.env.TAILSLIDE_ADMIN_EMAIL} (the first admin, created now from TAILSLIDE_ADMIN_EMAIL)`;
  if (users > 0) return 'log in with your Tailslide user';
  return [
    'no users yet. Create the first admin, either:',
    '  TAILSLIDE_ADMIN_EMAIL=you@example.com TAILSLIDE_ADMIN_PASSWORD=<12+ characters> npm start',
    `  or: DATABASE_URL=${databaseUrl} node tower-server/dist/cli.js create-admin you@example.com`,
    '      (reads the password from TAILSLIDE_ADMIN_PASSWORD or stdin)',
  ].join('\n');
};

// NATS: keys once, a server of our own on its own port (the machine's shared NATS, if any, has
// no authorization and is left alone).
const dataDir = resolve(process.env.TAILSLIDE_DATA_DIR ?? join(root, '.tailslide'));
const natsDir = join(dataDir, 'nats');
const keysDir = join(natsDir, 'keys');
const natsPort = Number(process.env.TAILSLIDE_DEV_NATS_PORT ?? 4322);
const natsUrl = `nats://127.0.0.1:${natsPort}`;
mkdirSync(natsDir, { recursive: true });
const cli = (args, extraEnv = {}) =>
  execFileSync(process.execPath, [towerCli, ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, ...extraEnv },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
cli(['nats-init', '--dir', keysDir, '--resolver-dir', join(natsDir, 'jwt')]);
writeFileSync(
  join(natsDir, 'nats.conf'),
  [
    '# Written by `npm start` (scripts/dev-platform.mjs); the keys are in keys/ (nats-init).',
    `listen: "127.0.0.1:${natsPort}"`,
    `jetstream { store_dir: ${JSON.stringify(join(natsDir, 'js'))} }`,
    'include "keys/auth.conf"',
    '',
  ].join('\n'),
);

const portOpen = (port) =>
  new Promise((done) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
if (await portOpen(natsPort)) {
  console.error(
    `Port ${natsPort} is taken: stop what runs there or set TAILSLIDE_DEV_NATS_PORT to a free port.`,
  );
  process.exit(1);
}
const natsBin = process.env.NATS_SERVER_BIN ?? 'nats-server';
const nats = spawn(
  natsBin,
  ['-c', join(natsDir, 'nats.conf'), '-l', join(natsDir, 'nats-server.log')],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
nats.on('error', (err) => {
  console.error(
    `Cannot run ${natsBin} (${err.message}): install nats-server or set NATS_SERVER_BIN.`,
  );
  process.exit(1);
});
for (let i = 0; !(await portOpen(natsPort)); i++) {
  if (i > 100 || nats.exitCode !== null) {
    console.error(`nats-server did not start on port ${natsPort}`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 100));
}

const env = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  TOWER_UI_DIR: process.env.TOWER_UI_DIR ?? join(root, 'tower-ui/dist'),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  NATS_URL: natsUrl,
  TAILSLIDE_NATS_DIR: keysDir,
  // Only this machine reaches a development Tower; set HOST=0.0.0.0 (and TAILSLIDE_PUBLIC_URL) to share it.
  HOST: process.env.HOST ?? '127.0.0.1',
};
delete env.NATS_USER;
delete env.NATS_PASSWORD;

// A first app and its development SDK key, once (before Tower starts, so Tower gives the key its
// Redis user in its start-up sync). The key is a secret: it stays in .tailslide/ (git-ignored).
const keyFile = join(dataDir, 'development-sdk-key');
let createdKey = false;
if (!existsSync(keyFile)) {
  const key = cli(['create-sdk-key', '--name', 'development', '--app-title', 'My app'], {
    TAILSLIDE_NATS_DIR: keysDir,
  }).trim();
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  createdKey = true;
}
const sdkKey = readFileSync(keyFile, 'utf8').trim();

const children = [nats, spawn(process.execPath, [towerMain], { env, stdio: 'inherit' })];
// Airbag only reads the flags bucket Tower creates (its NATS user may not create it): start it
// once Tower is ready.
const towerUrl = `http://127.0.0.1:${env.PORT ?? 3000}`;
for (let i = 0; ; i++) {
  const ready = await fetch(`${towerUrl}/readyz`).then(
    (r) => r.ok,
    () => false,
  );
  if (ready) break;
  if (i > 600 || children[1].exitCode !== null) {
    console.error('Tower did not become ready; see its log above.');
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 100));
}
children.push(
  spawn(process.execPath, [airbagMain], {
    env: { ...env, NATS_CREDS: join(keysDir, 'airbag.creds') },
    stdio: 'inherit',
  }),
);
console.log(`Tailslide: dashboard and API on http://localhost:${env.PORT ?? 3000}`);
console.log(`Tailslide: NATS (operator/JWT mode, keys in ${keysDir}) on ${natsUrl}`);
console.log(`Tailslide: ${signIn()}`);
console.log(
  [
    `Tailslide: ${createdKey ? 'created' : 'the'} development SDK key of "My app" (${keyFile}):`,
    '',
    `  TAILSLIDE_SDK_KEY=${sdkKey}`,
    '',
    "  import { FlagManager } from '@tailslide/sdk-node';",
    '  const flags = new FlagManager({',
    '    sdkKey: process.env.TAILSLIDE_SDK_KEY,',
    `    nats: '${natsUrl}',`,
    `    redis: '${env.REDIS_URL}',`,
    '  });',
    '  await flags.initialize();',
    '',
  ].join('\n'),
);

let stopping = false;
const stop = (code) => {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 5_000).unref();
};
for (const c of children) c.on('exit', (code) => stop(code ?? 1));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
