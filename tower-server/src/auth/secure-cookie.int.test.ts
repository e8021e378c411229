import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN } from '@tailslide/test-support';
import { startTestTower, type TestTower } from '../../test/tower-fixture.js';

const anonymous = { authorization: '' };

async function sessionCookie(t: TestTower): Promise<string> {
  const res = await t.api(
    'POST',
    '/api/session',
    { email: TEST_ADMIN.email, password: TEST_ADMIN.password },
    anonymous,
  );
  expect(res.status).toBe(200);
  return res.headers.get('set-cookie') ?? '';
}

describe('the session cookie follows the public URL', () => {
  let https: TestTower;
  let http: TestTower;
  beforeAll(async () => {
    [https, http] = await Promise.all([
      startTestTower({ publicUrl: new URL('https://flags.example.test') }),
      startTestTower({ publicUrl: new URL('http://flags.example.test') }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([https?.close(), http?.close()]);
  });

  it('marks it Secure when TAILSLIDE_PUBLIC_URL is https', async () => {
    const cookie = await sessionCookie(https);
    expect(cookie).toMatch(/tailslide_session=/);
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it('leaves Secure off over plain http, where a browser would drop the cookie', async () => {
    const cookie = await sessionCookie(http);
    expect(cookie).toMatch(/tailslide_session=/);
    expect(cookie).not.toMatch(/;\s*Secure/i);
  });
});
