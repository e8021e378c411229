/**
 * `npm start` with zero setup (issue 14 §6): scripts/dev-platform.mjs on an empty data folder, with
 * the embedded PostgreSQL (PGlite) forced (the machine's shared Postgres holds 5432), and its own
 * nats-server and redis-server, every port a free one. Runs the built platform (`npm run build`
 * first, as `.ci/run` does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, freePort, signInAdmin } from '@tailslide/test-support';
import { FlagManager } from '../sdk-node/src/index.js';

const script = join(import.meta.dirname, '..', 'scripts', 'dev-platform.mjs');

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** `node scripts/dev-platform.mjs` with none of the machine's service settings. */
function npmStart(env: Record<string, string>, args: string[] = []): Run {
  const base = { ...process.env };
  for (const k of Object.keys(base))
    if (
      /^(DATABASE_URL|REDIS_|NATS_|TAILSLIDE_|AIRBAG_|PORT$|HOST$|TOWER_)/.test(k) ||
      k === 'LOG_LEVEL'
    )
      delete base[k];
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function ports() {
  return {
    PORT: String(await freePort()),
    AIRBAG_HTTP_PORT: String(await freePort()),
    TAILSLIDE_DEV_NATS_PORT: String(await freePort()),
    TAILSLIDE_DEV_PG_PORT: String(await freePort()),
    TAILSLIDE_DEV_REDIS_PORT: String(await freePort()),
  };
}

const portAnswers = (port: string) =>
  new Promise<boolean>((done) => {
    const s = connect(Number(port), '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });

const dirs: string[] = [];
const running: Run[] = [];
afterAll(async () => {
  for (const r of running) {
    if (r.child.exitCode === null) {
      r.child.kill('SIGINT');
      await r.exited;
    }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('npm start (zero setup)', () => {
  it('runs the whole platform on an empty data folder until /readyz, with keys, and stops cleanly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tailslide-npm-start-'));
    dirs.push(dataDir);
    const p = await ports();
    const run = npmStart({ ...p, TAILSLIDE_DATA_DIR: dataDir, TAILSLIDE_EMBEDDED_DB: '1' });
    running.push(run);
    let exitCode: number | null | undefined;
    void run.exited.then((c) => (exitCode = c));

    // The banner comes once Tower is ready and Airbag healthy; a failure would end the process.
    await eventually(
      () => {
        if (exitCode !== undefined) throw new Error(`npm start exited: ${run.stderr()}`);
        return run.stdout().includes('Tailslide is running');
      },
      100_000,
      100,
    );
    const tower = `http://127.0.0.1:${p.PORT}`;
    expect((await fetch(`${tower}/readyz`)).status).toBe(200);
    expect(run.stdout()).toContain(`dashboard and API  http://localhost:${p.PORT}`);
    expect(run.stdout()).toContain('embedded PostgreSQL (PGlite)');
    expect(run.stderr()).toBe('');

    // How to log in: the generated first admin, printed and kept in the data folder.
    const admin = JSON.parse(readFileSync(join(dataDir, 'first-admin.json'), 'utf8')) as {
      email: string;
      password: string;
    };
    expect(run.stdout()).toContain(`log in as ${admin.email} with password ${admin.password}`);
    const api = await signInAdmin(tower, admin);

    // Tower's queries on PGlite, and the development key enforced by npm start's own NATS and Redis.
    const apps = await api.request<{ items: { id: string; title: string }[] }>('GET', '/api/apps');
    const myApp = apps.items.find((a) => a.title === 'My app');
    expect(myApp).toBeDefined();
    await api.request('POST', `/api/apps/${myApp?.id}/flags`, {
      key: 'zero-setup',
      title: 'Zero setup',
      active: true,
      rolloutPercentage: 100,
    });
    const sdkKey = readFileSync(join(dataDir, 'development-sdk-key'), 'utf8').trim();
    expect(run.stdout()).toContain(`TAILSLIDE_SDK_KEY=${sdkKey}`);
    const manager = new FlagManager({
      sdkKey,
      nats: `nats://127.0.0.1:${p.TAILSLIDE_DEV_NATS_PORT}`,
      redis: `redis://127.0.0.1:${p.TAILSLIDE_DEV_REDIS_PORT}`,
    });
    try {
      expect((await manager.initialize()).status).toBe('ready');
      const toggler = manager.newToggler({ flagName: 'zero-setup' });
      await eventually(() => toggler.isFlagActive('user-1'), 10_000);
      await api.request('POST', `/api/apps/${myApp?.id}/flags/zero-setup/toggle`, {
        active: false,
      });
      await eventually(() => !toggler.isFlagActive('user-1'), 10_000);
    } finally {
      await manager.close();
    }

    // Several clients at once on the one PGlite session: parameterised queries of different
    // shapes and transactions never see each other's statements (electric-sql/pglite#1046).
    const pool = new pg.Pool({
      connectionString: `postgres://postgres@127.0.0.1:${p.TAILSLIDE_DEV_PG_PORT}/postgres`,
      max: 10,
    });
    try {
      const sums = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          if (i % 3 === 0) {
            const r = await pool.query<{ n: string }>('SELECT $1::text AS n', [String(i)]);
            return Number(r.rows[0]?.n);
          }
          if (i % 3 === 1) {
            const r = await pool.query<{ n: number }>('SELECT $1::int + $2::int - $3::int AS n', [
              i,
              1,
              1,
            ]);
            return r.rows[0]?.n;
          }
          const c = await pool.connect();
          try {
            await c.query('BEGIN');
            const r = await c.query<{ n: number }>('SELECT $1::int AS n', [i]);
            await c.query('COMMIT');
            return r.rows[0]?.n;
          } finally {
            c.release();
          }
        }),
      );
      expect(sums).toEqual(Array.from({ length: 60 }, (_, i) => i));
    } finally {
      await pool.end();
    }

    // Ctrl-C stops every process: exit code 0, nothing left listening.
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    for (const port of Object.values(p)) expect(await portAnswers(port)).toBe(false);
  }, 150_000);

  it('exits with one line and no banner when a port is taken', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tailslide-npm-start-'));
    dirs.push(dataDir);
    const p = await ports();
    const blocker: Server = createServer();
    await new Promise<void>((done) => blocker.listen(Number(p.PORT), '127.0.0.1', done));
    try {
      const run = npmStart({ ...p, TAILSLIDE_DATA_DIR: dataDir, TAILSLIDE_EMBEDDED_DB: '1' });
      running.push(run);
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toBe(
        `tailslide: port ${p.PORT} (Tower's dashboard and API) is taken: stop what runs there or set PORT to a free port\n`,
      );
      expect(run.stdout()).toBe('');
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });
});
