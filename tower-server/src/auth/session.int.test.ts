import type {
  ApiTokenDto,
  CreatedApiTokenDto,
  Page,
  SessionDto,
  UserDto,
} from '@tailslide/contracts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN } from '@tailslide/test-support';
import { startTestTower, type TestTower } from '../../test/tower-fixture.js';
import { startTower } from '../server.js';

const anonymous = { authorization: '' };

describe('sessions, users and API tokens (real Postgres)', () => {
  let t: TestTower;
  let db: pg.Client;

  const login = (email: string, password: string, headers: Record<string, string> = {}) =>
    t.api<SessionDto>('POST', '/api/session', { email, password }, { ...anonymous, ...headers });
  const cookieOf = (res: { headers: Headers }) =>
    /tailslide_session=[^;]*/.exec(res.headers.get('set-cookie') ?? '')?.[0] ?? '';
  const as = (cookie: string) => ({ ...anonymous, cookie });
  const newUser = async (email: string, role = 'editor') => {
    const res = await t.api<UserDto>('POST', '/api/users', {
      email,
      password: 'a-long-password',
      role,
    });
    expect(res.status).toBe(201);
    return res.body;
  };

  beforeAll(async () => {
    t = await startTestTower({
      session: { idleMs: 60 * 60_000, absoluteMs: 24 * 3_600_000 },
      loginLimits: {
        account: { maxFailures: 3, windowMs: 60_000 },
        address: { maxFailures: 1000, windowMs: 60_000 },
      },
    });
    db = new pg.Client({ connectionString: t.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('logs in with an HttpOnly SameSite=Lax cookie, tells who is signed in, and logs out', async () => {
    const res = await login(TEST_ADMIN.email.toUpperCase(), TEST_ADMIN.password);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ email: TEST_ADMIN.email, role: 'admin' });
    expect(res.body.user).not.toHaveProperty('passwordHash');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/i);
    const cookie = cookieOf(res);
    expect((await t.api<SessionDto>('GET', '/api/session', undefined, as(cookie))).status).toBe(
      200,
    );
    expect((await t.api('GET', '/api/apps', undefined, as(cookie))).status).toBe(200);

    const out = await t.api('DELETE', '/api/session', undefined, as(cookie));
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/tailslide_session=;/);
    expect((await t.api('GET', '/api/session', undefined, as(cookie))).status).toBe(401);
    expect((await t.api('GET', '/api/apps', undefined, as(cookie))).status).toBe(401);
    const stored = await db.query<{ secret_hash: string }>('SELECT secret_hash FROM sessions');
    expect(stored.rows.every((r) => /^[0-9a-f]{64}$/.test(r.secret_hash))).toBe(true);
    expect(stored.rows.some((r) => cookie.includes(r.secret_hash))).toBe(false);
  });

  it('answers the same 401 for an unknown email and a wrong password', async () => {
    const unknown = await login('nobody@example.com', 'whatever-password');
    const wrong = await login(TEST_ADMIN.email, 'not-the-password');
    expect([unknown.status, wrong.status]).toEqual([401, 401]);
    expect(unknown.body).toEqual(wrong.body);
    expect(cookieOf(wrong)).toBe('');
  });

  it('rate-limits failed logins per account with 429 and Retry-After, even for the right password', async () => {
    await newUser('limited@example.com');
    for (let i = 0; i < 3; i++)
      expect((await login('limited@example.com', 'wrong-password')).status).toBe(401);
    const limited = await login('limited@example.com', 'a-long-password');
    expect(limited.status).toBe(429);
    expect((limited.body as unknown as { error: { code: string } }).error.code).toBe(
      'rate_limited',
    );
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account from the same address is not affected.
    await newUser('other@example.com');
    expect((await login('other@example.com', 'a-long-password')).status).toBe(200);
    // Once the window has passed, the right password works again.
    await db.query(
      `UPDATE login_failures SET window_start = now() - interval '2 minutes' WHERE key = 'account:limited@example.com'`,
    );
    expect((await login('limited@example.com', 'a-long-password')).status).toBe(200);
  });

  it('rate-limits failed logins per address across accounts', async () => {
    const t2 = await startTower({
      ...t.options,
      port: 0,
      loginLimits: { address: { maxFailures: 2, windowMs: 60_000 } },
    });
    try {
      const post = (email: string) =>
        fetch(`${t2.url}/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: 'wrong-password' }),
        });
      await db.query(`DELETE FROM login_failures WHERE key LIKE 'address:%'`);
      expect((await post('a@example.com')).status).toBe(401);
      expect((await post('b@example.com')).status).toBe(401);
      expect((await post('c@example.com')).status).toBe(429);
    } finally {
      await t2.close();
      await db.query(`DELETE FROM login_failures WHERE key LIKE 'address:%'`);
    }
  });

  it('ends a session after the idle timeout and after the absolute lifetime', async () => {
    await newUser('expiry@example.com');
    const idle = cookieOf(await login('expiry@example.com', 'a-long-password'));
    const old = cookieOf(await login('expiry@example.com', 'a-long-password'));
    expect((await t.api('GET', '/api/apps', undefined, as(idle))).status).toBe(200);
    await db.query(
      `UPDATE sessions SET last_seen_at = now() - interval '61 minutes'
        WHERE user_id = (SELECT id FROM users WHERE email = 'expiry@example.com')
          AND created_at < (SELECT max(created_at) FROM sessions)`,
    );
    await db.query(`UPDATE sessions SET expires_at = now() - interval '1 second'
        WHERE created_at = (SELECT max(created_at) FROM sessions
          WHERE user_id = (SELECT id FROM users WHERE email = 'expiry@example.com'))`);
    expect((await t.api('GET', '/api/apps', undefined, as(idle))).status).toBe(401);
    expect((await t.api('GET', '/api/apps', undefined, as(old))).status).toBe(401);
  });

  it('changes a password, keeping this session and revoking the others', async () => {
    await newUser('change@example.com');
    const mine = cookieOf(await login('change@example.com', 'a-long-password'));
    const other = cookieOf(await login('change@example.com', 'a-long-password'));
    const wrong = await t.api(
      'PUT',
      '/api/session/password',
      { currentPassword: 'nope-nope-nope', newPassword: 'a-new-long-password' },
      as(mine),
    );
    expect(wrong.status).toBe(401);
    const short = await t.api(
      'PUT',
      '/api/session/password',
      { currentPassword: 'a-long-password', newPassword: 'short' },
      as(mine),
    );
    expect(short.status).toBe(400);
    const ok = await t.api(
      'PUT',
      '/api/session/password',
      { currentPassword: 'a-long-password', newPassword: 'a-new-long-password' },
      as(mine),
    );
    expect(ok.status).toBe(204);
    expect((await t.api('GET', '/api/session', undefined, as(mine))).status).toBe(200);
    expect((await t.api('GET', '/api/session', undefined, as(other))).status).toBe(401);
    expect((await login('change@example.com', 'a-long-password')).status).toBe(401);
    expect((await login('change@example.com', 'a-new-long-password')).status).toBe(200);
  });

  it('disables a user (its sessions end), changes roles at once, and keeps one active admin', async () => {
    const u = await newUser('mallory@example.com', 'viewer');
    const cookie = cookieOf(await login('mallory@example.com', 'a-long-password'));
    expect((await t.api('POST', '/api/apps', { title: 'x' }, as(cookie))).status).toBe(403);
    await t.api('PATCH', `/api/users/${u.id}`, { role: 'editor' });
    expect((await t.api('POST', '/api/apps', { title: 'x' }, as(cookie))).status).toBe(201);
    const disabled = await t.api<UserDto>('PATCH', `/api/users/${u.id}`, { disabled: true });
    expect(disabled.body.disabled).toBe(true);
    expect((await t.api('GET', '/api/apps', undefined, as(cookie))).status).toBe(401);
    expect((await login('mallory@example.com', 'a-long-password')).status).toBe(401);

    const users = await t.api<Page<UserDto>>('GET', '/api/users');
    const adminId = users.body.items.find((x) => x.email === TEST_ADMIN.email)!.id;
    expect((await t.api('PATCH', `/api/users/${adminId}`, { role: 'viewer' })).status).toBe(409);
    expect((await t.api('PATCH', `/api/users/${adminId}`, { disabled: true })).status).toBe(409);
    expect((await t.api('DELETE', `/api/users/${adminId}`)).status).toBe(409);
    expect((await t.api('POST', '/api/users', { ...TEST_ADMIN, role: 'viewer' })).status).toBe(409);
    expect((await t.api('DELETE', `/api/users/${u.id}`)).status).toBe(204);
    const logs = await t.api<Page<{ action: string; changes: unknown[] }>>(
      'GET',
      '/api/logs?action=user.*',
    );
    const actions = logs.body.items.map((e) => e.action);
    expect(actions).toContain('user.created');
    expect(actions).toContain('user.deleted');
    expect(JSON.stringify(logs.body)).not.toMatch(/argon2/);
  });

  it('shows a token secret once, stores its hash, records its use and honours revocation', async () => {
    const created = await t.api<CreatedApiTokenDto>('POST', '/api/tokens', {
      name: 'ci',
      role: 'editor',
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^tst_[A-Za-z0-9_-]{43}$/);
    expect(created.body.token).toMatchObject({ name: 'ci', role: 'editor', lastUsedAt: null });
    expect(created.body.token.createdBy).toMatch(/^token:test-admin/);
    const bearer = { authorization: `Bearer ${created.body.secret}` };
    const app = await t.api<{ id: string }>('POST', '/api/apps', { title: 'by ci' }, bearer);
    expect(app.status).toBe(201);
    const logs = await t.api<Page<{ actor: string }>>('GET', `/api/apps/${app.body.id}/logs`);
    expect(logs.body.items[0]!.actor).toBe('token:ci');
    const listed = await t.api<Page<ApiTokenDto>>('GET', '/api/tokens');
    const ci = listed.body.items.find((x) => x.id === created.body.token.id)!;
    expect(ci.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    const stored = await db.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM api_tokens WHERE id = $1',
      [Number(ci.id)],
    );
    expect(stored.rows[0]!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await t.api('GET', '/api/tokens', undefined, bearer)).status).toBe(403);
    expect((await t.api('DELETE', `/api/tokens/${ci.id}`)).status).toBe(204);
    expect((await t.api('GET', '/api/apps', undefined, bearer)).status).toBe(401);
    const after = await t.api<Page<ApiTokenDto>>('GET', '/api/tokens');
    expect(after.body.items.find((x) => x.id === ci.id)!.revokedAt).not.toBeNull();
    expect(
      (await t.api('GET', '/api/apps', undefined, { authorization: 'Bearer tst_nope' })).status,
    ).toBe(401);
  });

  it('creates the first admin once: a later start with other credentials changes nothing', async () => {
    const again = await startTower({
      ...t.options,
      port: 0,
      admin: { email: 'second@example.com', password: 'another-password' },
    });
    await again.close();
    const { rows } = await db.query(`SELECT 1 FROM users WHERE email = 'second@example.com'`);
    expect(rows).toHaveLength(0);
  });
});
