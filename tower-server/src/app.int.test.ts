import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@tailslide/test-support';
import { WebhookService } from './alerts/webhook-service.js';
import { createApp } from './app.js';
import { AppService } from './apps/app-service.js';
import { AuditService } from './audit/audit-service.js';
import { AuthService } from './auth/auth-service.js';
import { setPrincipal } from './auth/principal.js';
import { ChangeFeed } from './change-feed.js';
import { createPool } from './db.js';
import { TowerError } from './errors.js';
import { FlagService } from './flags/flag-service.js';
import { createMetrics } from './ops/metrics.js';
import { toOpenApiPath } from './openapi.js';
import { unenforcedNatsAccount } from './sdk-keys/nats-account.js';
import { SdkKeyService } from './sdk-keys/sdk-key-service.js';
import { TokenService } from './tokens/token-service.js';
import { UserService } from './users/user-service.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every (method, path) Express really serves, read from the router stack. */
function expressRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [m, on] of Object.entries(layer.route.methods))
          if (on && m !== '_all') out.push(`${m} ${toOpenApiPath(layer.route.path)}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out.sort();
}

function authServices(pool: ReturnType<typeof createPool>, feed: ChangeFeed) {
  const users = new UserService({ pool, feed });
  const tokens = new TokenService({ pool, feed });
  return { users, tokens, auth: new AuthService({ pool, users, tokens }) };
}

describe('Tower app with Postgres unreachable', () => {
  let server: Server;
  let url: string;
  let app: Express;
  let deadPool: ReturnType<typeof createPool>;

  const asked: string[] = [];

  beforeAll(async () => {
    // A port nothing listens on: every query fails to connect, as when Postgres is down.
    const deadPort = await freePort();
    deadPool = createPool(`postgres://postgres@127.0.0.1:${deadPort}/none`);
    const feed = new ChangeFeed();
    app = createApp({
      logger: pino({ level: 'silent' }),
      metrics: createMetrics(),
      apps: new AppService({ pool: deadPool, feed }),
      flags: new FlagService({ pool: deadPool, feed }),
      audit: new AuditService({ pool: deadPool }),
      sdkKeys: new SdkKeyService({
        pool: deadPool,
        feed,
        nats: unenforcedNatsAccount({ flagsBucket: 'unused' }),
        redisPrefix: 'unused',
      }),
      webhooks: new WebhookService({ pool: deadPool, feed, allowedHosts: [] }),
      ...authServices(deadPool, feed),
      signals: null,
      // Sessions live in the (dead) database, so the hook is the test's: it refuses writes unless
      // the request says it has the role, records what each route asked for, and lets the rest in
      // as that role (so the routes themselves are reached).
      authorize: (req, role) => {
        asked.push(`${req.method} ${role}`);
        if ((role === 'editor' || role === 'admin') && req.get('x-test-role') !== role)
          throw new TowerError(403, 'forbidden', `needs ${role}`);
        setPrincipal(req, {
          kind: 'token',
          role: 'admin',
          actor: 'token:test',
          userId: null,
          sessionHash: null,
          tokenId: 1,
        });
      },
      checks: {
        postgres: async () => {
          await deadPool.query('SELECT 1');
        },
      },
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await deadPool.end();
  });

  it('answers 503 unavailable (not 500) and hides the internals', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/apps', undefined],
      ['POST', '/api/apps', { title: 'x' }],
      ['GET', '/api/apps/1/flags/x', undefined],
    ] as const) {
      const res = await fetch(url + path, {
        method,
        headers: body ? { 'content-type': 'application/json', 'x-test-role': 'editor' } : {},
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status, path).toBe(503);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.code).toBe('unavailable');
      expect(json.error.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    }
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('asks the authorize hook with the route role before reading any input', async () => {
    asked.length = 0;
    const refused = await fetch(`${url}/api/sdk-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"not":"valid"}',
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(asked).toEqual(['POST admin', 'GET public']);
  });

  it('still validates before touching the database', async () => {
    const res = await fetch(`${url}/api/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-role': 'editor' },
      body: '{"title":""}',
    });
    expect(res.status).toBe(400);
  });

  it('documents every route Express serves in /api/openapi.json, and nothing else', async () => {
    const doc = (await (await fetch(`${url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>
      >;
    };
    expect(doc.openapi).toMatch(/^3\./);
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`))
      .sort();
    const served = expressRoutes(app);
    expect(served.length).toBeGreaterThan(20);
    expect(documented).toEqual(served);
    const create = doc.paths['/api/apps/{appId}/flags']!.post!;
    expect(JSON.stringify(create.requestBody)).toContain('rolloutPercentage');
    expect(JSON.stringify(create.requestBody)).toContain('"additionalProperties":false');
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops))
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
  });
});
