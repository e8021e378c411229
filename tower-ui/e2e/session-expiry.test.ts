import type { UserDto } from '@tailslide/contracts';
import { uniqueName } from '@tailslide/test-support';
import { describe, expect, it } from 'vitest';
import { browserSuite, collectPageErrors, newContext, screenshot } from './harness.js';

const PASSWORD = 'correct-horse-battery';
const IDLE_MS = 15 * 60_000;
const ENDED = 'Your session has ended. Sign in again to continue.';

describe(
  'a session that ends while the dashboard is open, in Chromium',
  { timeout: 30_000 },
  () => {
    // Tower's session clock: the test moves it past the idle timeout instead of waiting.
    let shiftMs = 0;
    const suite = browserSuite(undefined, () => ({
      session: { idleMs: IDLE_MS, absoluteMs: 24 * 3_600_000 },
      now: () => new Date(Date.now() + shiftMs),
    }));

    /** A new viewer signed in through the login page, on the live apps page. */
    async function signedInViewer() {
      const email = `${uniqueName('viewer')}@example.com`;
      const created = await suite.stack.api<UserDto>('POST', '/users', {
        email,
        password: PASSWORD,
        role: 'viewer',
      });
      expect(created.status).toBe(201);
      const context = await newContext(suite.browser, 1280, 800, false);
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await page.goto(`${suite.stack.tower.url}/apps`);
      await page.waitForURL(/\/login\?next=/);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === '/apps');
      await page.getByText('Live', { exact: true }).waitFor();
      return { page, errors, user: created.body };
    }

    it('sends an idle dashboard to the login page with a clear message, and back after signing in', async () => {
      const { page, errors, user } = await signedInViewer();
      shiftMs += IDLE_MS + 1_000;
      // The sweep Tower runs every 30 s, run now: it closes the socket of the idle session.
      expect(await suite.stack.tower.sweepSockets()).toBeGreaterThanOrEqual(1);
      await page.waitForURL(/\/login\?next=%2Fapps/);
      await page.getByText(ENDED).waitFor();
      await screenshot(page, 'session-expired-1280');
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === '/apps');
      await page.getByText('Live', { exact: true }).waitFor();
      expect(errors).toEqual([]);
    });

    it('sends an idle page whose next request is refused to the login page too', async () => {
      const { page, errors } = await signedInViewer();
      shiftMs += IDLE_MS + 1_000;
      // No sweep: the person clicks, the API answers 401, the dashboard signs them out.
      await page.getByRole('link', { name: 'Logs' }).click();
      await page.waitForURL(/\/login\?next=%2Flogs/);
      await page.getByText(ENDED).waitFor();
      expect(errors).toEqual([]);
    });
  },
);
