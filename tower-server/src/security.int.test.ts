import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppDto, FlagEventDto, Page } from '@tailslide/contracts';
import { SocketEvent } from '@tailslide/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDashboard, startTestTower, type TestTower } from '../test/tower-fixture.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends a request with any headers (fetch forbids setting Host, Origin and Sec-Fetch-*). */
/** The admin's session cookie, as a browser signed in to the dashboard sends it. */
const signedIn = (t: TestTower) => `tailslide_session=${t.admin.sessionCookie}`;

function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<RawResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method,
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const hostOf = (t: TestTower, name: string) => `${name}:${new URL(t.tower.url).port}`;

describe('browser safety over plain http on a real host name', () => {
  let t: TestTower;
  let uiDir: string;

  beforeAll(async () => {
    uiDir = mkdtempSync(join(tmpdir(), 'tailslide-ui-'));
    writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>Tailslide</title>');
    t = await startTestTower({
      publicUrl: new URL('http://tailslide.test'),
      uiDir,
      requestTimeouts: { headersMs: 1_000, requestMs: 1_000 },
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(uiDir, { recursive: true, force: true });
  });

  it('serves the dashboard without upgrade-insecure-requests or HSTS (which blank it over http)', async () => {
    const res = await send(t.tower.url, 'GET', '/apps', { host: hostOf(t, 'tailslide.test') });
    expect(res.status).toBe(200);
    expect(res.body).toContain('Tailslide');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('refuses a Host that is neither the public URL nor a loopback name (DNS rebinding)', async () => {
    const rebound = await send(t.tower.url, 'GET', '/api/apps', {
      host: hostOf(t, 'attacker.example'),
    });
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body)).toMatchObject({ error: { code: 'host_not_allowed' } });
    expect((await send(t.tower.url, 'GET', '/', { host: '10.1.2.3' })).status).toBe(421);
    expect((await send(t.tower.url, 'GET', '/apps', { host: hostOf(t, 'localhost') })).status).toBe(
      200,
    );
    // Probes and scrapers call by IP address.
    expect((await send(t.tower.url, 'GET', '/healthz', { host: '10.1.2.3:3000' })).status).toBe(
      200,
    );
  });

  it('refuses a write from a page on another origin and writes nothing', async () => {
    const before = await t.api<Page<AppDto>>('GET', '/api/apps?limit=200');
    const forged: Record<string, string>[] = [
      { origin: 'http://evil.test', 'sec-fetch-site': 'cross-site' },
      { origin: 'http://evil.test' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'null' },
    ];
    for (const headers of forged) {
      const res = await send(
        t.tower.url,
        'POST',
        '/api/apps',
        { host: hostOf(t, 'tailslide.test'), cookie: signedIn(t), ...headers },
        { title: 'Forged' },
      );
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'cross_site_request' } });
    }
    const after = await t.api<Page<AppDto>>('GET', '/api/apps?limit=200');
    expect(after.body).toEqual(before.body);
    expect(JSON.stringify(after.body)).not.toContain('Forged');
  });

  it('accepts a write from its own page', async () => {
    const res = await send(
      t.tower.url,
      'POST',
      '/api/apps',
      {
        host: hostOf(t, 'tailslide.test'),
        cookie: signedIn(t),
        origin: 'http://tailslide.test',
        'sec-fetch-site': 'same-origin',
      },
      { title: 'Own page' },
    );
    expect(res.status).toBe(201);
  });

  it('refuses a socket handshake from another origin and accepts its own', async () => {
    await expect(
      connectDashboard(t.tower.url, {
        ...t.admin.headers,
        origin: 'http://evil.test',
        'sec-fetch-site': 'cross-site',
      }),
    ).rejects.toThrow();
    await expect(
      connectDashboard(t.tower.url, { ...t.admin.headers, origin: 'http://evil.test' }),
    ).rejects.toThrow();
    // Its own origin without a session or token is refused too.
    await expect(connectDashboard(t.tower.url, { origin: t.tower.url })).rejects.toThrow();
    const own = await connectDashboard(t.tower.url, { cookie: signedIn(t), origin: t.tower.url });
    own.close();
  });

  it('pushes a flag change without a large whitelist', async () => {
    const app = await t.api<AppDto>('POST', '/api/apps', { title: 'Big list' });
    const socket = await connectDashboard(t.tower.url, t.admin.headers);
    try {
      const pushed = new Promise<FlagEventDto>((resolve) =>
        socket.on(SocketEvent.flagChanged, ({ flag }) => flag.key === 'big' && resolve(flag)),
      );
      const whitelist = Array.from({ length: 1_000 }, (_, i) => `user-${i}`);
      expect(
        (
          await t.api('POST', `/api/apps/${app.body.id}/flags`, {
            key: 'big',
            title: 'Big',
            whitelist,
          })
        ).status,
      ).toBe(201);
      const flag = await pushed;
      expect(flag.whitelist).toBeNull();
      expect(flag.whitelistSize).toBe(1_000);
    } finally {
      socket.close();
    }
  });

  it('answers 408 and closes the connection when a request body arrives too slowly', async () => {
    const { port } = new URL(t.tower.url);
    const socket = createConnection(Number(port), '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (answer += c));
    socket.write(
      'POST /api/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ti',
    );
    // Nothing more is sent: Tower must end the request on its own.
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('TLS offloaded to a proxy (TRUST_PROXY)', () => {
  let direct: TestTower;
  let proxied: TestTower;
  const publicUrl = new URL('https://flags.example.com');

  beforeAll(async () => {
    [direct, proxied] = await Promise.all([
      startTestTower({ publicUrl }),
      startTestTower({ publicUrl, trustProxy: ['loopback'] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([direct?.close(), proxied?.close()]);
  });

  it('upgrades insecure requests in the CSP when the public URL is https', async () => {
    const res = await send(proxied.tower.url, 'GET', '/api/apps', { host: 'flags.example.com' });
    expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });

  it('sends HSTS when a trusted proxy says the request came over https', async () => {
    const https = await send(proxied.tower.url, 'GET', '/api/apps', {
      host: 'flags.example.com',
      'x-forwarded-proto': 'https',
    });
    expect(https.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    const http = await send(proxied.tower.url, 'GET', '/api/apps', {
      host: 'flags.example.com',
      'x-forwarded-proto': 'http',
    });
    expect(http.headers['strict-transport-security']).toBeUndefined();
  });

  it('ignores X-Forwarded-Proto when no proxy is trusted', async () => {
    const res = await send(direct.tower.url, 'GET', '/api/apps', {
      host: 'flags.example.com',
      'x-forwarded-proto': 'https',
    });
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });
});
