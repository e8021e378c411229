import type { AppDto, FlagDto } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import type { FlagManager } from '../../sdk-node/src/index.js';
import { eventually } from '@tailslide/test-support';
import {
  browserSuite,
  LIVE_TIMEOUT_MS,
  openPage,
  screenshot,
  sdkClient,
  waitForAttribute,
} from './harness.js';

// The vitest project has the default 5 s test timeout; a browser scenario needs more.
describe('dashboard in Chromium: apps, flags, toggles', { timeout: 30_000 }, () => {
  const managers: FlagManager[] = [];
  const suite = browserSuite(async () => {
    await Promise.all(managers.map((m) => m.close()));
  });

  const newPage = (width?: number, height?: number) => openPage(suite.browser, width, height);

  function sdk(appId: string): FlagManager {
    const m = sdkClient(suite.stack, appId);
    managers.push(m);
    return m;
  }

  it('creates an app and a flag, and a toggle in the browser reaches a real SDK client', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${suite.stack.tower.url}/apps`);
    await page.getByText('No apps yet.').waitFor();

    await page.getByLabel('New app name').fill('Checkout service');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('link', { name: 'Checkout service' }).click();
    await page.getByRole('heading', { name: 'Checkout service', level: 1 }).waitFor();
    const appId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);

    await page.getByRole('button', { name: 'Add flag', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add flag' });
    await dialog.getByLabel('Title').fill('New checkout');
    expect(await dialog.getByLabel('Key').inputValue()).toBe('new-checkout');
    await dialog.getByLabel('Description').fill('Single-page checkout');
    await dialog.getByLabel('Rollout').fill('100');
    const whitelist = dialog.getByRole('textbox', { name: 'Whitelisted users' });
    await whitelist.fill('vip-1');
    await whitelist.press('Enter');
    await dialog.getByRole('button', { name: 'Remove vip-1' }).waitFor();
    await dialog.getByRole('button', { name: 'Create flag' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const toggle = page.getByRole('switch', { name: 'New checkout active' });
    await waitForAttribute(toggle, 'aria-checked', 'false');

    const manager = sdk(appId);
    await manager.initialize();
    const toggler = manager.newToggler({ flagName: 'new-checkout' });
    await eventually(
      () => manager.rules().some((r) => r.flagKey === 'new-checkout'),
      LIVE_TIMEOUT_MS,
    );
    expect(toggler.isFlagActive('user-1')).toBe(false);

    // A second browser (its own context: no shared storage) watches the same app.
    const { page: other } = await newPage();
    await other.goto(page.url());
    const otherToggle = other.getByRole('switch', { name: 'New checkout active' });
    await waitForAttribute(otherToggle, 'aria-checked', 'false');

    await toggle.click();
    await waitForAttribute(toggle, 'aria-checked', 'true');
    await waitForAttribute(otherToggle, 'aria-checked', 'true');
    await eventually(() => toggler.isFlagActive('user-1'), LIVE_TIMEOUT_MS);
    await screenshot(page, 'flags-after-toggle-1280');

    // A change made elsewhere (here: the API, as another browser would) shows up without reload.
    const off = await suite.stack.api<FlagDto>('POST', `/apps/${appId}/flags/new-checkout/toggle`, {
      active: false,
    });
    expect(off.status).toBe(200);
    await waitForAttribute(toggle, 'aria-checked', 'false');
    await eventually(() => !toggler.isFlagActive('user-1'), LIVE_TIMEOUT_MS);

    // Keyboard: the switch is a button, Space turns it back on.
    await toggle.focus();
    await page.keyboard.press('Space');
    await waitForAttribute(toggle, 'aria-checked', 'true');
    await eventually(() => toggler.isFlagActive('user-1'), LIVE_TIMEOUT_MS);

    await page.getByRole('link', { name: 'Apps', exact: true }).first().click();
    await page.getByText('1 flag', { exact: true }).waitFor();
    expect(errors).toEqual([]);
  });

  it("shows the server's message when it refuses a flag, and checks the rollout before sending", async () => {
    const app = await suite.stack.api<AppDto>('POST', '/apps', { title: 'Payments' });
    expect(app.status).toBe(201);
    const existing = await suite.stack.api<FlagDto>('POST', `/apps/${app.body.id}/flags`, {
      key: 'fraud-model',
      title: 'Fraud model',
    });
    expect(existing.status).toBe(201);

    const { page, errors } = await newPage();
    await page.goto(`${suite.stack.tower.url}/apps/${app.body.id}`);
    await page.getByRole('switch', { name: 'Fraud model active' }).waitFor();
    await page.getByRole('button', { name: 'Add flag', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add flag' });
    await dialog.getByLabel('Title').fill('Fraud model again');
    await dialog.getByLabel('Key').fill('fraud-model');

    await dialog.getByLabel('Rollout').fill('101');
    await dialog.getByRole('button', { name: 'Create flag' }).click();
    await dialog.getByText('Rollout must be at least 0 and at most 100.').waitFor();

    await dialog.getByLabel('Rollout').fill('12.5');
    await dialog.getByRole('button', { name: 'Create flag' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain(
      "a flag with key 'fraud-model' already exists in this app",
    );
    await screenshot(page, 'flag-dialog-server-error-1280');

    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.getByRole('listitem').filter({ hasText: 'fraud-model' }).count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it('edits every field of a flag and asks before deleting it', async () => {
    const app = await suite.stack.api<AppDto>('POST', '/apps', { title: 'Search' });
    await suite.stack.api<FlagDto>('POST', `/apps/${app.body.id}/flags`, {
      key: 'semantic',
      title: 'Semantic search',
    });
    const { page, errors } = await newPage();
    await page.goto(`${suite.stack.tower.url}/apps/${app.body.id}/flags/semantic`);
    await page.getByRole('heading', { name: 'Semantic search', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit Semantic search' });
    // Someone else edits the flag meanwhile: the form says so instead of overwriting their change.
    const other = await suite.stack.api<FlagDto>('PATCH', `/apps/${app.body.id}/flags/semantic`, {
      description: 'Edited elsewhere',
    });
    expect(other.status).toBe(200);
    await dialog.getByText('This flag was changed elsewhere').waitFor();
    await dialog.getByRole('button', { name: 'Load the latest version' }).click();
    expect(await dialog.getByLabel('Description').inputValue()).toBe('Edited elsewhere');
    await dialog.getByLabel('Rollout').fill('33.3');
    await dialog.getByLabel('Error threshold').fill('25');
    await dialog.getByLabel('Minimum requests').fill('10');
    await dialog.getByLabel('Window').fill('60');
    await dialog.getByLabel('Recovery profile').selectOption('exponential');
    await dialog.getByLabel('Slow call').fill('800');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const saved = await suite.stack.api<FlagDto>('GET', `/apps/${app.body.id}/flags/semantic`);
    expect(saved.body.rolloutPercentage).toBe(33.3);
    expect(saved.body.description).toBe('Edited elsewhere');
    expect(saved.body.circuit).toMatchObject({
      errorThresholdPercentage: 25,
      minimumRequests: 10,
      windowMs: 60_000,
      recoveryProfile: 'exponential',
      slowCallMs: 800,
    });
    await page.getByText('33.3 %').first().waitFor();

    // Tabs follow the WAI-ARIA pattern: arrow keys move between them.
    await page.getByRole('tab', { name: 'Info' }).focus();
    await page.keyboard.press('ArrowRight');
    await waitForAttribute(page.getByRole('tab', { name: 'Logs' }), 'aria-selected', 'true');
    // Two updates: the one made elsewhere and ours.
    await eventually(
      async () => (await page.getByRole('cell', { name: 'flag.updated' }).count()) === 2,
      LIVE_TIMEOUT_MS,
    );
    await screenshot(page, 'flag-logs-tab-1280');

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete flag?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect((await suite.stack.api('GET', `/apps/${app.body.id}/flags/semantic`)).status).toBe(200);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await confirm.getByRole('button', { name: 'Delete flag' }).click();
    await page.getByRole('heading', { name: 'Search', exact: true, level: 1 }).waitFor();
    expect((await suite.stack.api('GET', `/apps/${app.body.id}/flags/semantic`)).status).toBe(404);
    expect(errors).toEqual([]);
  });

  it("shows the server's message when a flag does not exist", async () => {
    const { page, errors } = await newPage();
    await page.goto(`${suite.stack.tower.url}/apps/424242/flags/no-such-flag`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/not found/i);
    await alert.getByRole('button', { name: 'Try again' }).waitFor();
    await page.goto(`${suite.stack.tower.url}/definitely/not/a/page`);
    await page.getByText('This page does not exist.').waitFor();
    expect(errors).toEqual([]);
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const app = await suite.stack.api<AppDto>('POST', '/apps', { title: 'Mobile API' });
    for (const key of ['dark-mode', 'new-onboarding']) {
      await suite.stack.api('POST', `/apps/${app.body.id}/flags`, {
        key,
        title: key.replace('-', ' '),
        active: true,
        rolloutPercentage: 50,
      });
    }
    const { page, errors } = await newPage(390, 844);
    await page.goto(`${suite.stack.tower.url}/apps/${app.body.id}`);
    await page.getByRole('switch', { name: 'dark mode active' }).waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'flags-390');
    await page.goto(`${suite.stack.tower.url}/apps/${app.body.id}/flags/dark-mode?tab=circuit`);
    await page.getByRole('radio', { name: '30 s' }).waitFor();
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await screenshot(page, 'circuit-health-390');

    const noOverflow = async () =>
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      ).toBeLessThanOrEqual(0);
    await page.getByRole('tab', { name: 'Info' }).click();
    await page.getByRole('heading', { name: 'Circuit breaker' }).waitFor();
    await noOverflow();
    await screenshot(page, 'flag-info-390');
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('dialog', { name: 'Edit dark mode' }).getByLabel('Window').waitFor();
    await noOverflow();
    await screenshot(page, 'flag-dialog-390');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await page.goto(`${suite.stack.tower.url}/apps`);
    await page.getByRole('link', { name: 'Mobile API' }).waitFor();
    await noOverflow();
    await screenshot(page, 'apps-390');
    await page.goto(`${suite.stack.tower.url}/logs`);
    await page.getByRole('cell', { name: 'flag.created' }).first().waitFor();
    await noOverflow();
    await screenshot(page, 'logs-390');
    expect(errors).toEqual([]);
  });
});
