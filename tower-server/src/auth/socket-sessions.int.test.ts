import type { CreatedApiTokenDto, UserDto } from '@tailslide/contracts';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '@tailslide/test-support';
import { connectDashboard, startTestTower, type TestTower } from '../../test/tower-fixture.js';

const anonymous = { authorization: '' };
const IDLE_MS = 10 * 60_000;

describe('dashboard sockets end with their session or token (real Postgres + NATS)', () => {
  let t: TestTower;
  // Tower's session clock: tests move it forward instead of waiting.
  let shiftMs = 0;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await startTestTower(
      { session: { idleMs: IDLE_MS, absoluteMs: 24 * 3_600_000 } },
      { now: () => new Date(Date.now() + shiftMs) },
    );
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t?.close();
  });

  /** A new user signed in: its id and session cookie. */
  async function signedInUser(role = 'viewer'): Promise<{ id: string; cookie: string }> {
    const email = `${uniqueName('u')}@example.com`;
    const user = await t.api<UserDto>('POST', '/api/users', {
      email,
      password: 'a-long-password',
      role,
    });
    expect(user.status).toBe(201);
    const res = await t.api(
      'POST',
      '/api/session',
      { email, password: 'a-long-password' },
      anonymous,
    );
    expect(res.status).toBe(200);
    const cookie = /tailslide_session=[^;]*/.exec(res.headers.get('set-cookie') ?? '')?.[0];
    return { id: user.body.id, cookie: cookie! };
  }

  /** An open dashboard socket and the reason it will be closed with. */
  async function open(headers: Record<string, string>) {
    const socket = await connectDashboard(t.tower.url, headers);
    sockets.push(socket);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    return { socket, closed };
  }

  it('closes the sockets of a session that logs out, and only those', async () => {
    const a = await signedInUser();
    const b = await signedInUser();
    const mine = await open({ cookie: a.cookie });
    const other = await open({ cookie: b.cookie });
    const out = await t.api('DELETE', '/api/session', undefined, {
      ...anonymous,
      cookie: a.cookie,
    });
    expect(out.status).toBe(204);
    expect(await mine.closed).toBe('io server disconnect');
    await t.tower.sweepSockets();
    expect(other.socket.connected).toBe(true);
  });

  it("closes a user's sockets when an admin disables or deletes the user", async () => {
    const disabled = await signedInUser('editor');
    const deleted = await signedInUser('editor');
    const first = await open({ cookie: disabled.cookie });
    const second = await open({ cookie: disabled.cookie });
    const third = await open({ cookie: deleted.cookie });
    expect((await t.api('PATCH', `/api/users/${disabled.id}`, { disabled: true })).status).toBe(
      200,
    );
    expect(await first.closed).toBe('io server disconnect');
    expect(await second.closed).toBe('io server disconnect');
    expect((await t.api('DELETE', `/api/users/${deleted.id}`)).status).toBe(204);
    expect(await third.closed).toBe('io server disconnect');
  });

  it('closes the sockets of a revoked API token', async () => {
    const token = (
      await t.api<CreatedApiTokenDto>('POST', '/api/tokens', {
        name: uniqueName('tok'),
        role: 'viewer',
      })
    ).body;
    const s = await open({ authorization: `Bearer ${token.secret}` });
    expect((await t.api('DELETE', `/api/tokens/${token.token.id}`)).status).toBe(204);
    expect(await s.closed).toBe('io server disconnect');
  });

  it('closes the socket of a session that went idle, at the next sweep, without extending it', async () => {
    const u = await signedInUser();
    const s = await open({ cookie: u.cookie });
    // A sweep is a check, not a use: sweeping an open socket does not keep the session alive.
    shiftMs += IDLE_MS / 2;
    await t.tower.sweepSockets();
    expect(s.socket.connected).toBe(true);
    shiftMs += IDLE_MS / 2 + 1_000;
    expect(await t.tower.sweepSockets()).toBeGreaterThanOrEqual(1);
    expect(await s.closed).toBe('io server disconnect');
    const res = await t.api('GET', '/api/session', undefined, { ...anonymous, cookie: u.cookie });
    expect(res.status).toBe(401);
  });
});
