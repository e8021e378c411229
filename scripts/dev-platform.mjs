#!/usr/bin/env node
// `npm start`: the whole platform on this machine without Docker and without setup — Tower (API and
// dashboard), Airbag, and what they need, every piece of state under one data folder (.tailslide/,
// or TAILSLIDE_DATA_DIR / --data-dir):
//   PostgreSQL  DATABASE_URL when set; else the local server on 5432 when one answers there (and the
//               data folder has no embedded database yet); else an embedded PostgreSQL: PGlite
//               behind its socket server, data in <data>/postgres (--embedded-db forces it).
//   NATS        always its own nats-server (from PATH) in operator/JWT mode (ADR 0007), so SDK keys
//               are enforced as in production; keys and JetStream data in <data>/nats.
//   Redis       REDIS_URL when set; else the local server on 6379 when one answers there; else its
//               own redis-server (from PATH) with the project's ACL users (redis/tailslide-redis.sh),
//               data in <data>/redis.
// Once per data folder: the NATS keys, a first app "My app" and its development SDK key, and —
// when no user exists and TAILSLIDE_ADMIN_PASSWORD is not given — a first admin with a generated
// password, kept in <data>/first-admin.json and printed with the dashboard URL. Logs go to
// <data>/logs/ (--verbose: also to the terminal). Any failure: one line on stderr, exit code 1.
// Ctrl-C stops every process. Needs `npm run build` first. `npm start -- --help` lists the settings.
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const HELP = `usage: npm start [-- [--embedded-db] [--data-dir <dir>] [--verbose]]
  --embedded-db       use the embedded PostgreSQL (PGlite) even when something answers on 5432
                      (or TAILSLIDE_EMBEDDED_DB=1)
  --data-dir <dir>    the data folder (or TAILSLIDE_DATA_DIR; default .tailslide/ in the repository)
  --verbose           also print Tower's, Airbag's and the servers' logs (always in <data>/logs/)
Ports (127.0.0.1): PORT (Tower, 3000), AIRBAG_HTTP_PORT (3002), TAILSLIDE_DEV_NATS_PORT (4322),
TAILSLIDE_DEV_PG_PORT (embedded PostgreSQL, 5432), TAILSLIDE_DEV_REDIS_PORT (6379).
External services: DATABASE_URL, REDIS_URL (with REDIS_USER / REDIS_PASSWORD).
First admin: TAILSLIDE_ADMIN_EMAIL / TAILSLIDE_ADMIN_PASSWORD (else generated on the first start).
Binaries: NATS_SERVER_BIN, REDIS_SERVER_BIN (else nats-server and redis-server from PATH).
Reset: stop it, then delete the data folder.`;

/** A failure the user can act on: printed as one line, exit code 1. */
class StartError extends Error {}
const fail = (message) => {
  throw new StartError(message);
};

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const towerMain = join(root, 'tower-server/dist/main.js');
const towerCli = join(root, 'tower-server/dist/cli.js');
const airbagMain = join(root, 'airbag/dist/main.js');
const redisScript = join(root, 'redis/tailslide-redis.sh');

// ---------------------------------------------------------------------------------------------
// Arguments and settings

function parseArgs(argv) {
  const opts = { embeddedDb: false, dataDir: undefined, verbose: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--embedded-db') opts.embeddedDb = true;
    else if (a === '--verbose') opts.verbose = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else if (a === '--data-dir' && argv[i + 1]) opts.dataDir = argv[++i];
    else if (a.startsWith('--data-dir=')) opts.dataDir = a.slice('--data-dir='.length);
    else fail(`unknown argument ${a} (npm start -- --help lists the options)`);
  }
  return opts;
}

const truthy = (v) => v !== undefined && !['', '0', 'false', 'no'].includes(v.toLowerCase());

function portSetting(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) fail(`${name} must be a port (1–65535): ${raw}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Ports, binaries, processes

/** True when something accepts connections on 127.0.0.1:port or the port cannot be bound. */
async function portTaken(port) {
  const answers = await new Promise((done) => {
    const s = netConnect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
  if (answers) return true;
  return new Promise((done) => {
    const srv = createServer();
    srv.once('error', () => done(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => done(false)));
  });
}

async function portAnswers(port) {
  return new Promise((done) => {
    const s = netConnect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `name` on PATH (or in the sbin directories, where Debian puts nats-server), else null. */
function findBinary(name, override, overrideName) {
  if (override) {
    try {
      accessSync(override, constants.X_OK);
      return override;
    } catch {
      fail(`${overrideName}=${override} is not an executable file`);
    }
  }
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin'];
  for (const d of dirs.filter(Boolean)) {
    try {
      accessSync(join(d, name), constants.X_OK);
      return join(d, name);
    } catch {
      // not here
    }
  }
  return null;
}

/** The last meaningful line of a process's output: a pino error's message, an `Error:` line… */
function lastError(lines) {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (!line.startsWith('{')) continue;
    try {
      const j = JSON.parse(line);
      if (typeof j.level === 'number' && j.level >= 50) {
        const detail = j.err?.message ?? j.error ?? '';
        return detail && detail !== j.msg ? `${j.msg}: ${detail}` : j.msg;
      }
    } catch {
      // not JSON
    }
  }
  const errorLine = [...lines].reverse().find((l) => /^\s*(\w*Error|error|Error)\b[:\s]/.test(l));
  if (errorLine) return errorLine.trim();
  const fatal = [...lines].reverse().find((l) => /\[(FTL|ERR)\]|# /.test(l));
  if (fatal) return fatal.trim();
  return (
    [...lines]
      .reverse()
      .find((l) => l.trim() !== '')
      ?.trim() ?? 'no output'
  );
}

/** Timestamped progress lines in <data>/logs/npm-start.log (where the start-up time goes). */
let progressLog = null;
const t0 = performance.now();
function progress(message) {
  progressLog?.write(
    `${new Date().toISOString()} +${((performance.now() - t0) / 1000).toFixed(1)} s ${message}\n`,
  );
}

/** Every process this run started, stopped in reverse order. */
const children = [];

/**
 * Spawns `command`, its output into `<logs>/<name>.log` (and the terminal with --verbose), and
 * keeps its last lines for a one-line failure message.
 */
function startProcess(name, command, args, { env, logsDir, verbose, label }) {
  const logFile = join(logsDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const tail = [];
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { name, label, child, logFile, tail, exited: null, expectedExit: false };
  const onData = (chunk) => {
    log.write(chunk);
    if (verbose) process.stdout.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > 200) tail.shift();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  proc.exited = new Promise((done) => {
    child.once('error', (err) => {
      tail.push(`Error: ${err.message}`);
      done({ code: 1, signal: null, error: err });
    });
    child.once('exit', (code, signal) => done({ code, signal, error: null }));
  }).then((r) => {
    log.end();
    return r;
  });
  children.push(proc);
  return proc;
}

const logHint = (proc) => {
  const r = relative(process.cwd(), proc.logFile);
  return `(log: ${r && !r.startsWith('..') ? r : proc.logFile})`;
};

async function waitUntil(proc, ready, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  void proc.exited.then((r) => (exited = r));
  for (;;) {
    if (exited) {
      const why = exited.error
        ? exited.error.message
        : lastError(proc.tail) || `exit code ${exited.code}`;
      fail(`${proc.label} stopped before ${what}: ${why} ${logHint(proc)}`);
    }
    if (await ready()) return;
    if (Date.now() > deadline)
      fail(`${proc.label} not ${what} after ${timeoutMs / 1000} s ${logHint(proc)}`);
    await sleep(100);
  }
}

async function httpOk(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Runs Tower's CLI; its stdout, or a one-line failure with its last stderr line. */
function towerCliRun(args, env) {
  return new Promise((done, reject) => {
    execFile(
      process.execPath,
      [towerCli, ...args],
      { env, encoding: 'utf8' },
      (err, out, errOut) => {
        if (!err) return done(out);
        const line = lastError(String(errOut).split('\n')) || err.message;
        reject(new StartError(`tower-server cli ${args[0]} failed: ${line}`));
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// The pieces

/** PostgreSQL: the URL Tower uses, and how to stop what was started for it. */
async function startDatabase({ opts, dataDir, logsDir }) {
  const pgDir = join(dataDir, 'postgres');
  // Written once PGlite created its database: a first start stopped during initdb leaves a partial
  // folder, which the next start removes and creates again.
  const pgReady = join(dataDir, 'postgres.initialized');
  const given = process.env.DATABASE_URL;
  const forced = opts.embeddedDb || truthy(process.env.TAILSLIDE_EMBEDDED_DB);
  if (given && forced)
    fail('DATABASE_URL and --embedded-db (TAILSLIDE_EMBEDDED_DB) contradict each other: unset one');
  const useEmbedded = forced || (!given && (existsSync(pgReady) || !(await portAnswers(5432))));
  if (!useEmbedded) {
    const url = given ?? 'postgres://postgres@127.0.0.1:5432/tailslide';
    await ensureDatabase(url);
    return { url, description: `PostgreSQL ${redactUrl(url)}`, stop: async () => {} };
  }

  const port = portSetting('TAILSLIDE_DEV_PG_PORT', 5432);
  if (await portTaken(port))
    fail(
      `port ${port} (embedded PostgreSQL) is taken: stop what runs there or set TAILSLIDE_DEV_PG_PORT to a free port`,
    );
  let startEmbeddedPostgres;
  try {
    await import('@electric-sql/pglite');
    ({ startEmbeddedPostgres } = await import('./embedded-postgres.mjs'));
  } catch {
    fail('the embedded PostgreSQL (@electric-sql/pglite) is not installed: run npm ci');
  }
  if (!existsSync(pgReady)) rmSync(pgDir, { recursive: true, force: true });
  mkdirSync(pgDir, { recursive: true });
  const pgLog = createWriteStream(join(logsDir, 'postgres.log'), { flags: 'a' });
  const log = (line) => pgLog.write(`${new Date().toISOString()} ${line}\n`);
  let pgServer;
  try {
    // maxConnections: above Tower's pool (10) plus the CLI's and this script's own connections.
    pgServer = await startEmbeddedPostgres({ dir: pgDir, port, maxConnections: 64, log });
  } catch (err) {
    fail(
      `the embedded PostgreSQL could not start on ${pgDir} and port ${port}: ${err?.message ?? err} (is another npm start using it?)`,
    );
  }
  log(`embedded PostgreSQL (PGlite ${pgDir}) on ${pgServer.url}`);
  if (!existsSync(pgReady)) writeFileSync(pgReady, `${new Date().toISOString()}\n`);
  return {
    url: pgServer.url,
    description: `embedded PostgreSQL (PGlite) on ${pgServer.url}, data in ${pgDir}`,
    stop: async () => {
      await pgServer.stop().catch((err) => log(`stop: ${err?.message ?? err}`));
      pgLog.end();
    },
  };
}

function redactUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

async function ensureDatabase(url) {
  const pg = (await import('pg')).default;
  let dbName;
  let adminUrl;
  try {
    dbName = decodeURIComponent(new URL(url).pathname.slice(1));
    adminUrl = new URL(url);
    adminUrl.pathname = '/postgres';
  } catch {
    fail(`DATABASE_URL is not a URL: ${url}`);
  }
  const admin = new pg.Client({
    connectionString: adminUrl.toString(),
    connectionTimeoutMillis: 5_000,
  });
  try {
    await admin.connect();
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      dbName,
    ]);
    if (rowCount === 0) await admin.query(`CREATE DATABASE "${dbName.replaceAll('"', '""')}"`);
  } catch (err) {
    fail(
      `PostgreSQL at ${adminUrl.host} refused: ${err.message} (set DATABASE_URL, or use the embedded database: npm start -- --embedded-db)`,
    );
  } finally {
    await admin.end().catch(() => {});
  }
}

/** Redis: the URL and the credentials Tower and Airbag use. */
async function startRedis({ dataDir, logsDir, verbose }) {
  if (process.env.REDIS_URL)
    return {
      url: process.env.REDIS_URL,
      description: `Redis ${redactUrl(process.env.REDIS_URL)}`,
      tower: {},
      airbag: {},
    };
  const port = portSetting('TAILSLIDE_DEV_REDIS_PORT', 6379);
  const url = `redis://127.0.0.1:${port}`;
  if (await portAnswers(port)) {
    await checkLocalRedis(url);
    return { url, description: `Redis ${url} (already running)`, tower: {}, airbag: {} };
  }
  const bin = findBinary('redis-server', process.env.REDIS_SERVER_BIN, 'REDIS_SERVER_BIN');
  if (!bin)
    fail(
      'redis-server not found: install Redis (apt install redis-server, brew install redis) or set REDIS_SERVER_BIN or REDIS_URL',
    );
  if (await portTaken(port))
    fail(
      `port ${port} (Redis) is taken: stop what runs there or set TAILSLIDE_DEV_REDIS_PORT to a free port`,
    );
  const redisDir = join(dataDir, 'redis');
  mkdirSync(redisDir, { recursive: true });
  // The services' passwords, generated once (the ACL file holds only their hashes).
  const secretsFile = join(redisDir, 'passwords.json');
  if (!existsSync(secretsFile))
    writeFileSync(
      secretsFile,
      `${JSON.stringify({ tower: randomBytes(18).toString('base64url'), airbag: randomBytes(18).toString('base64url') })}\n`,
      { mode: 0o600 },
    );
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8'));
  const prefix = process.env.TAILSLIDE_REDIS_PREFIX ?? 'tailslide';
  const proc = startProcess(
    'redis',
    'sh',
    [
      redisScript,
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      redisDir,
      '--appendonly',
      'yes',
    ],
    {
      env: {
        ...process.env,
        PATH: `${dirname(bin)}${delimiter}${process.env.PATH ?? ''}`,
        TAILSLIDE_REDIS_PREFIX: prefix,
        TOWER_REDIS_PASSWORD: secrets.tower,
        AIRBAG_REDIS_PASSWORD: secrets.airbag,
        TAILSLIDE_REDIS_ACL_FILE: join(redisDir, 'users.acl'),
      },
      logsDir,
      verbose,
      label: 'redis-server',
    },
  );
  await waitUntil(proc, () => portAnswers(port), `listening on ${port}`, 15_000);
  return {
    url,
    description: `Redis ${url} (its own redis-server, ACL users only; data in ${redisDir})`,
    tower: { REDIS_USER: `${prefix}-tower`, REDIS_PASSWORD: secrets.tower },
    airbag: { REDIS_USER: `${prefix}-airbag`, REDIS_PASSWORD: secrets.airbag },
  };
}

/** A Redis already on the port must let Tower manage ACL users as `default` (a development one). */
async function checkLocalRedis(url) {
  const { createClient } = await import('redis');
  const client = createClient({ url, socket: { connectTimeout: 3_000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.sendCommand(['ACL', 'WHOAMI']);
  } catch (err) {
    fail(
      `the Redis on ${new URL(url).host} refused: ${err.message} (set REDIS_URL with REDIS_USER / REDIS_PASSWORD, or TAILSLIDE_DEV_REDIS_PORT to a free port for npm start's own Redis)`,
    );
  } finally {
    client.destroy();
  }
}

/** NATS: nats-init once, then its own nats-server in operator/JWT mode. */
async function startNats({ dataDir, logsDir, verbose, baseEnv }) {
  const port = portSetting('TAILSLIDE_DEV_NATS_PORT', 4322);
  const natsDir = join(dataDir, 'nats');
  const keysDir = join(natsDir, 'keys');
  if (await portTaken(port))
    fail(
      `port ${port} (NATS) is taken: stop what runs there or set TAILSLIDE_DEV_NATS_PORT to a free port`,
    );
  const bin = findBinary('nats-server', process.env.NATS_SERVER_BIN, 'NATS_SERVER_BIN');
  if (!bin)
    fail(
      'nats-server not found: install it (apt install nats-server, brew install nats-server, or https://github.com/nats-io/nats-server/releases) or set NATS_SERVER_BIN',
    );
  mkdirSync(natsDir, { recursive: true });
  await towerCliRun(
    ['nats-init', '--dir', keysDir, '--resolver-dir', join(natsDir, 'jwt')],
    baseEnv,
  );
  writeFileSync(
    join(natsDir, 'nats.conf'),
    [
      '# Written by `npm start` (scripts/dev-platform.mjs); the keys are in keys/ (nats-init).',
      `listen: "127.0.0.1:${port}"`,
      `jetstream { store_dir: ${JSON.stringify(join(natsDir, 'js'))} }`,
      'include "keys/auth.conf"',
      '',
    ].join('\n'),
  );
  const proc = startProcess('nats-server', bin, ['-c', join(natsDir, 'nats.conf')], {
    env: process.env,
    logsDir,
    verbose,
    label: 'nats-server',
  });
  await waitUntil(proc, () => portAnswers(port), `listening on ${port}`, 15_000);
  return { url: `nats://127.0.0.1:${port}`, keysDir };
}

/** Users and the development key, read once the schema is there. */
async function readState(databaseUrl, keyFile, adminFile) {
  const { runMigrations } = await import(join(root, 'tower-server/dist/db.js'));
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  try {
    await runMigrations(databaseUrl, quiet);
  } catch (err) {
    fail(`the database migrations failed: ${err?.message ?? err}`);
  }
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    const users = (await client.query('SELECT count(*)::int AS n FROM users')).rows[0].n;
    let keyValid = false;
    if (existsSync(keyFile)) {
      const hash = createHash('sha256').update(readFileSync(keyFile, 'utf8').trim()).digest('hex');
      keyValid =
        (
          await client.query('SELECT 1 FROM sdk_keys WHERE key_hash = $1 AND revoked_at IS NULL', [
            hash,
          ])
        ).rowCount === 1;
    }
    let admin = null;
    if (existsSync(adminFile)) {
      admin = JSON.parse(readFileSync(adminFile, 'utf8'));
      const found = await client.query('SELECT 1 FROM users WHERE email = $1', [admin.email]);
      if (users > 0 && found.rowCount === 0) admin = null;
    }
    return { users, keyValid, admin };
  } catch (err) {
    if (err instanceof StartError) throw err;
    fail(`reading the database failed: ${err.message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Main

const opts = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`tailslide: ${err.message}`);
    process.exit(2);
  }
})();
if (opts.help) {
  console.log(HELP);
  process.exit(0);
}

let stopDatabase = async () => {};
let shuttingDown = false;

/** Stops every process (Tower and Airbag first, the database last). */
async function stopAll() {
  for (const proc of [...children].reverse()) {
    proc.expectedExit = true;
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
    const timeout = sleep(10_000).then(() => 'timeout');
    if ((await Promise.race([proc.exited, timeout])) === 'timeout') {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  }
  await stopDatabase();
}

async function main() {
  if (!existsSync(towerMain) || !existsSync(airbagMain) || !existsSync(towerCli))
    fail('build first: npm run build');
  const dataDir = resolve(
    opts.dataDir ?? process.env.TAILSLIDE_DATA_DIR ?? join(root, '.tailslide'),
  );
  const logsDir = join(dataDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  progressLog = createWriteStream(join(logsDir, 'npm-start.log'), { flags: 'a' });
  progress(`npm start (pid ${process.pid}), data folder ${dataDir}`);

  // One npm start per data folder.
  const pidFile = join(dataDir, 'npm-start.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    let alive;
    try {
      alive = Number.isInteger(pid) && pid > 0 && process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (alive) fail(`another npm start (pid ${pid}) uses ${dataDir}: stop it first`);
  }
  writeFileSync(pidFile, `${process.pid}\n`);
  process.on('exit', () => rmSync(pidFile, { force: true }));

  const givenPassword = process.env.TAILSLIDE_ADMIN_PASSWORD;
  if (givenPassword !== undefined && givenPassword.length < 12)
    fail('TAILSLIDE_ADMIN_PASSWORD must have at least 12 characters');
  const towerPort = portSetting('PORT', 3000);
  const airbagPort = portSetting('AIRBAG_HTTP_PORT', 3002);
  for (const [port, what, name] of [
    [towerPort, "Tower's dashboard and API", 'PORT'],
    [airbagPort, "Airbag's health endpoint", 'AIRBAG_HTTP_PORT'],
    [portSetting('TAILSLIDE_DEV_NATS_PORT', 4322), 'NATS', 'TAILSLIDE_DEV_NATS_PORT'],
  ])
    if (await portTaken(port))
      fail(`port ${port} (${what}) is taken: stop what runs there or set ${name} to a free port`);

  const database = await startDatabase({ opts, dataDir, logsDir });
  stopDatabase = database.stop;
  const baseEnv = { ...process.env, DATABASE_URL: database.url };
  for (const k of ['NATS_USER', 'NATS_PASSWORD', 'NATS_CREDS', 'NATS_URL']) delete baseEnv[k];

  progress(`database ready: ${database.description}`);
  const redis = await startRedis({ dataDir, logsDir, verbose: opts.verbose });
  progress(`Redis ready: ${redis.description}`);
  const nats = await startNats({ dataDir, logsDir, verbose: opts.verbose, baseEnv });

  progress(`NATS ready: ${nats.url}`);
  const keyFile = join(dataDir, 'development-sdk-key');
  const adminFile = join(dataDir, 'first-admin.json');
  const state = await readState(database.url, keyFile, adminFile);

  progress(`migrations applied; ${state.users} users`);
  const env = {
    ...baseEnv,
    TOWER_UI_DIR: process.env.TOWER_UI_DIR ?? join(root, 'tower-ui/dist'),
    REDIS_URL: redis.url,
    NATS_URL: nats.url,
    TAILSLIDE_NATS_DIR: nats.keysDir,
    PORT: String(towerPort),
    AIRBAG_HTTP_PORT: String(airbagPort),
    // Only this machine reaches a development Tower; set HOST=0.0.0.0 (and TAILSLIDE_PUBLIC_URL) to share it.
    HOST: process.env.HOST ?? '127.0.0.1',
  };

  // The first admin: given through the environment, or generated once and kept in the data folder.
  let admin = state.admin;
  let adminNote = '';
  if (state.users === 0) {
    const email = process.env.TAILSLIDE_ADMIN_EMAIL ?? admin?.email ?? 'admin@tailslide.localhost';
    const password =
      process.env.TAILSLIDE_ADMIN_PASSWORD ??
      admin?.password ??
      randomBytes(12).toString('base64url');
    if (!process.env.TAILSLIDE_ADMIN_PASSWORD) {
      admin = { email, password };
      writeFileSync(adminFile, `${JSON.stringify(admin, null, 2)}\n`, { mode: 0o600 });
      adminNote = ' (generated now)';
    } else {
      admin = { email, password: null };
    }
    env.TAILSLIDE_ADMIN_EMAIL = email;
    env.TAILSLIDE_ADMIN_PASSWORD = password;
  } else {
    delete env.TAILSLIDE_ADMIN_EMAIL;
    delete env.TAILSLIDE_ADMIN_PASSWORD;
  }

  // A first app and its development SDK key, once per database (before Tower starts, so Tower
  // gives the key its Redis user in its start-up sync). A secret: it stays in the data folder.
  let createdKey = false;
  if (!state.keyValid) {
    const key = (
      await towerCliRun(['create-sdk-key', '--name', 'development', '--app-title', 'My app'], {
        ...env,
        REDIS_URL: redis.url,
      })
    ).trim();
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    createdKey = true;
  }
  const sdkKey = readFileSync(keyFile, 'utf8').trim();

  progress(`development SDK key ready`);
  const tower = startProcess('tower', process.execPath, [towerMain], {
    env: { ...env, ...redis.tower },
    logsDir,
    verbose: opts.verbose,
    label: 'Tower',
  });
  const towerUrl = `http://127.0.0.1:${towerPort}`;
  await waitUntil(tower, () => httpOk(`${towerUrl}/readyz`), 'ready', 120_000);
  progress(`Tower ready`);
  // Airbag only reads the flags bucket Tower creates (its NATS user may not create it): it starts
  // once Tower is ready.
  const airbag = startProcess('airbag', process.execPath, [airbagMain], {
    env: {
      ...env,
      ...redis.airbag,
      NATS_CREDS: join(nats.keysDir, 'airbag.creds'),
    },
    logsDir,
    verbose: opts.verbose,
    label: 'Airbag',
  });
  await waitUntil(
    airbag,
    () => httpOk(`http://127.0.0.1:${airbagPort}/healthz`),
    'healthy',
    60_000,
  );

  progress(`Airbag healthy`);
  const shown = (p) => {
    const r = relative(process.cwd(), p);
    return r && !r.startsWith('..') ? r : p;
  };
  const signIn = admin
    ? admin.password
      ? `log in as ${admin.email} with password ${admin.password}${adminNote}, kept in ${shown(adminFile)} (change it in the dashboard; this file then stays out of date)`
      : `log in as ${admin.email} with TAILSLIDE_ADMIN_PASSWORD (the first admin, created now)`
    : `log in with your Tailslide user (node tower-server/dist/cli.js create-admin <email> adds an admin)`;
  console.log(
    [
      `Tailslide is running (data folder ${shown(dataDir)}; Ctrl-C stops it)`,
      `  dashboard and API  http://localhost:${towerPort}`,
      `  ${signIn}`,
      `  database           ${database.description}`,
      `  NATS               ${nats.url} (operator/JWT mode, keys in ${shown(nats.keysDir)})`,
      `  Redis              ${redis.description}`,
      `  Airbag             http://127.0.0.1:${airbagPort}/healthz`,
      `  logs               ${shown(logsDir)}/`,
      '',
      `The ${createdKey ? 'new ' : ''}development SDK key of "My app" (${shown(keyFile)}):`,
      '',
      `  TAILSLIDE_SDK_KEY=${sdkKey}`,
      '',
      "  import { FlagManager } from '@tailslide/sdk-node';",
      '  const flags = new FlagManager({',
      '    sdkKey: process.env.TAILSLIDE_SDK_KEY,',
      `    nats: '${nats.url}',`,
      `    redis: '${redis.url}',`,
      '  });',
      '  await flags.initialize();',
      '',
    ].join('\n'),
  );

  // Running: any process that stops ends the platform with one line.
  const stopped = await Promise.race(
    children.map((proc) => proc.exited.then((r) => ({ proc, ...r }))),
  );
  if (shuttingDown) return new Promise(() => {});
  const { proc } = stopped;
  const why = stopped.error?.message ?? lastError(proc.tail);
  fail(
    `${proc.label} stopped (exit code ${stopped.code ?? stopped.signal}): ${why} ${logHint(proc)}`,
  );
}

const onSignal = () => {
  if (shuttingDown) return;
  shuttingDown = true;
  stopAll().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

main().catch(async (err) => {
  if (shuttingDown) return;
  shuttingDown = true;
  const message =
    err instanceof StartError ? err.message : `unexpected failure: ${err?.message ?? String(err)}`;
  await stopAll().catch(() => {});
  console.error(`tailslide: ${message}`);
  process.exit(1);
});
