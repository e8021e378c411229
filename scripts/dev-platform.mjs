#!/usr/bin/env node
// `npm start`: runs the whole platform on this machine without Docker — Tower (API + dashboard on
// http://localhost:3000) and Airbag — against local PostgreSQL, NATS JetStream and Redis.
// Creates the `tailslide` database when it is missing. Ctrl-C stops both processes.
// Needs `npm run build` first. Override any setting through the usual environment variables.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const towerMain = join(root, 'tower-server/dist/main.js');
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

const env = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  TOWER_UI_DIR: process.env.TOWER_UI_DIR ?? join(root, 'tower-ui/dist'),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  // Only this machine reaches a development Tower; set HOST=0.0.0.0 (and TAILSLIDE_PUBLIC_URL) to share it.
  HOST: process.env.HOST ?? '127.0.0.1',
};
const children = [
  spawn(process.execPath, [towerMain], { env, stdio: 'inherit' }),
  spawn(process.execPath, [airbagMain], { env, stdio: 'inherit' }),
];
console.log(`Tailslide: dashboard and API on http://localhost:${env.PORT ?? 3000}`);
console.log(`Tailslide: ${signIn()}`);

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
