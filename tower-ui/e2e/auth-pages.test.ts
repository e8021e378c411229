import type { AppDto, AuditEntryDto, Page as ListPage, UserDto } from '@tailslide/contracts';
import { TEST_ADMIN } from '@tailslide/test-support';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite, collectPageErrors, newContext, screenshot } from './harness.js';

const PASSWORD = 'correct-horse-battery';

/** Signs in through the login page of a fresh anonymous context; returns the page. */
async function signIn(
  suite: ReturnType<typeof browserSuite>,
  email: string,
  password: string,
  path = '/apps',
): Promise<{ page: Page; errors: string[] }> {
  const context = await newContext(suite.browser, 1280, 800, false);
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${suite.stack.tower.url}${path}`);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === path);
  return { page, errors };
}

describe('signing in, roles and admin pages in Chromium', { timeout: 30_000 }, () => {
  const suite = browserSuite();
  const createUser = (email: string, role: UserDto['role']) =>
    suite.stack.api<UserDto>('POST', '/users', { email, password: PASSWORD, role });

  it('refuses a wrong password, signs in to the page asked for, and signs out', async () => {
    const context = await newContext(suite.browser, 1280, 800, false);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${suite.stack.tower.url}/logs`);
    await page.waitForURL(/\/login\?next=%2Flogs/);
    await page.getByLabel('Email').fill(TEST_ADMIN.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    await screenshot(page, 'login-refused-1280');

    await page.getByLabel('Password').fill(TEST_ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/logs');
    await page.getByRole('heading', { name: 'Logs', level: 1 }).waitFor();
    await page.getByLabel(`Account: ${TEST_ADMIN.email}`).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    // The session is gone at Tower too: the app sends the person back to the login page.
    await page.goto(`${suite.stack.tower.url}/apps`);
    await page.waitForURL(/\/login\?next=%2Fapps/);
    expect(errors).toEqual([]);
  });

  it('sends the person to the login page at once when their session ends elsewhere', async () => {
    const user = await createUser('ending@tailslide.test', 'editor');
    expect(user.status).toBe(201);
    const { page, errors } = await signIn(suite, 'ending@tailslide.test', PASSWORD);
    await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
    // An admin disables the account: Tower ends its sessions and closes their sockets; the
    // dashboard checks its session and finds it gone, without waiting for a click.
    expect(
      (await suite.stack.api('PATCH', `/users/${user.body.id}`, { disabled: true })).status,
    ).toBe(200);
    await page.waitForURL(/\/login\?next=%2Fapps/, { timeout: 20_000 });
    await page.getByText('Your session has ended. Sign in again to continue.').waitFor();
    await screenshot(page, 'session-ended-1280');
    expect(errors).toEqual([]);
  });

  it('shows a viewer the flags without any control to change them', async () => {
    const app = await suite.stack.api<AppDto>('POST', '/apps', { title: 'Viewer app' });
    await suite.stack.api('POST', `/apps/${app.body.id}/flags`, {
      key: 'read-only',
      title: 'Read only',
      active: true,
    });
    expect((await createUser('viewer@tailslide.test', 'viewer')).status).toBe(201);
    const path = `/apps/${app.body.id}`;
    const { page, errors } = await signIn(suite, 'viewer@tailslide.test', PASSWORD, path);
    const row = page.locator('[data-flag-key="read-only"]');
    await row.getByText('On', { exact: true }).waitFor();
    expect(await page.getByRole('switch').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^(Edit|Delete|Add flag)/ }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
    await screenshot(page, 'viewer-flags-1280');

    await page.goto(`${suite.stack.tower.url}${path}/flags/read-only`);
    await page.getByRole('heading', { name: 'Read only', level: 1 }).waitFor();
    expect(await page.getByRole('switch').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^(Edit|Delete)$/ }).count()).toBe(0);
    await page.goto(`${suite.stack.tower.url}/apps`);
    await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
    expect(await page.getByRole('button', { name: 'Create app' }).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('toggles with a reason and shows before → after in the log', async () => {
    const app = await suite.stack.api<AppDto>('POST', '/apps', { title: 'Reason app' });
    await suite.stack.api('POST', `/apps/${app.body.id}/flags`, {
      key: 'with-reason',
      title: 'With reason',
      active: false,
    });
    expect((await createUser('editor@tailslide.test', 'editor')).status).toBe(201);
    const path = `/apps/${app.body.id}/flags/with-reason`;
    const { page, errors } = await signIn(suite, 'editor@tailslide.test', PASSWORD, path);
    await page.getByLabel('Reason for switching (optional)').fill('INC-42 rollback');
    await page.getByRole('switch', { name: 'With reason active' }).click();
    await page.getByText('With reason turned on.').waitFor();
    const logs = await suite.stack.api<ListPage<AuditEntryDto>>(
      'GET',
      `/logs?appId=${app.body.id}&flagKey=with-reason`,
    );
    const toggled = logs.body.items.find((e) => e.action === 'flag.toggled_on');
    expect(toggled?.actor).toBe('editor@tailslide.test');
    expect(toggled?.reason).toBe('INC-42 rollback');

    await page.getByRole('tab', { name: 'Logs' }).click();
    const entry = page.getByRole('row').filter({ hasText: 'flag.toggled_on' });
    await entry.getByText('“INC-42 rollback”').waitFor();
    await entry.getByText('active', { exact: true }).waitFor();
    expect(await entry.textContent()).toMatch(/false\s*→\s*true/);
    await screenshot(page, 'log-before-after-1280');
    expect(errors).toEqual([]);
  });

  it('lets an admin add a user, create an API token shown once, and revoke it', async () => {
    const { page, errors } = await signIn(suite, TEST_ADMIN.email, TEST_ADMIN.password, '/users');
    await page.getByLabel('Email').fill('new-person@tailslide.test');
    await page.getByLabel('Initial password').fill(PASSWORD);
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('cell', { name: 'new-person@tailslide.test', exact: true }).waitFor();
    await page
      .getByRole('combobox', { name: 'Role of new-person@tailslide.test' })
      .selectOption('editor');
    await page.getByText('new-person@tailslide.test is now editor.').waitFor();
    await screenshot(page, 'users-1280');

    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.getByLabel('Token name').fill('deploy-pipeline');
    await page.getByLabel('Role', { exact: true }).selectOption('editor');
    await page.getByRole('button', { name: 'Create token' }).click();
    const reveal = page.getByRole('region', { name: 'New API token' });
    const secret = await reveal.getByRole('textbox', { name: 'New API token' }).inputValue();
    expect(secret.startsWith('tst_')).toBe(true);
    // The token works, with its role.
    const asToken = await fetch(`${suite.stack.tower.url}/api/apps`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(asToken.status).toBe(200);
    await reveal.getByRole('button', { name: 'I have saved it' }).click();
    expect(await page.content()).not.toContain(secret);
    await screenshot(page, 'tokens-1280');

    await page.getByRole('button', { name: 'Revoke deploy-pipeline' }).click();
    await page
      .getByRole('dialog', { name: 'Revoke API token?' })
      .getByRole('button', { name: 'Revoke token' })
      .click();
    await page.getByText('Token "deploy-pipeline" revoked.').waitFor();
    const refused = await fetch(`${suite.stack.tower.url}/api/apps`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(refused.status).toBe(401);
    expect(errors).toEqual([]);
  });
});
