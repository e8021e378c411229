import type { AppDto, FlagDto, Page as ListPage } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite, E2E_ACTOR, openPage, screenshot, waitForAttribute } from './harness.js';

interface SdkKeyRow {
  id: string;
  name: string;
  appId: string | null;
  prefix: string;
  revokedAt: string | null;
}

// The vitest project has the default 5 s test timeout; a browser scenario needs more.
/** Waits until the log table shows exactly `n` rows (it re-renders as filters apply). */
async function rowCount(page: Page, n: number): Promise<void> {
  await page.waitForFunction((want) => document.querySelectorAll('tbody tr').length === want, n);
}

describe('dashboard in Chromium: SDK keys, webhooks, logs, refusals', { timeout: 30_000 }, () => {
  const suite = browserSuite();

  it("creates an app's SDK key, shows it once with a snippet, and revokes it after confirmation", async () => {
    const app = (await suite.stack.api<AppDto>('POST', '/apps', { title: 'Checkout' })).body;
    const { page, errors } = await openPage(suite.browser);
    await page
      .context()
      .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.stack.tower.url });
    await page.goto(`${suite.stack.tower.url}/sdk-keys`);
    await page.getByText('No SDK keys yet.').waitFor();
    await page.getByLabel('Key name').fill('checkout-prod');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('Pick the app whose flags the key reads.').waitFor();
    await page.getByLabel('App', { exact: true }).selectOption(app.id);
    await page.getByRole('button', { name: 'Create key' }).click();

    const reveal = page.getByRole('region', { name: 'New SDK key' });
    const secret = await reveal.getByRole('textbox', { name: 'New SDK key' }).inputValue();
    const [listed] = (await suite.stack.api<ListPage<SdkKeyRow>>('GET', '/sdk-keys')).body.items;
    expect(listed?.name).toBe('checkout-prod');
    expect(listed?.appId).toBe(app.id);
    expect(secret.startsWith(`${listed!.prefix}.`)).toBe(true);
    const snippet = page.getByRole('region', { name: 'SDK snippet' });
    expect(await snippet.locator('code').textContent()).toContain(`TAILSLIDE_SDK_KEY=${secret}`);
    await reveal.getByRole('button', { name: 'Copy key' }).click();
    await reveal.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await screenshot(page, 'sdk-key-created-1280');

    await reveal.getByRole('button', { name: 'I have saved it' }).click();
    await reveal.waitFor({ state: 'detached' });
    await snippet.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await page.getByRole('cell', { name: 'checkout-prod', exact: true }).waitFor();
    await page.getByRole('cell', { name: 'Checkout', exact: true }).waitFor();
    expect(await page.content()).not.toContain(secret);

    // A key created elsewhere appears without a reload.
    expect(
      (await suite.stack.api('POST', '/sdk-keys', { name: 'ci-runner', appId: app.id })).status,
    ).toBe(201);
    await page.getByRole('cell', { name: 'ci-runner', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Revoke checkout-prod' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke SDK key?' });
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText(/^Revoked/).waitFor();
    const keys = (await suite.stack.api<ListPage<SdkKeyRow>>('GET', '/sdk-keys')).body.items;
    expect(keys.find((k) => k.name === 'checkout-prod')?.revokedAt).not.toBeNull();
    expect(keys.find((k) => k.name === 'ci-runner')?.revokedAt).toBeNull();
    expect(errors).toEqual([]);
  });

  it('adds a webhook without ever showing its URL again, subscribes a flag to it and deletes it', async () => {
    const app = await suite.stack.api<AppDto>('POST', '/apps', { title: 'Alerts app' });
    await suite.stack.api('POST', `/apps/${app.body.id}/flags`, {
      key: 'pricing',
      title: 'Pricing',
    });
    const { page, errors } = await openPage(suite.browser);
    await page.goto(`${suite.stack.tower.url}/webhooks`);
    await page.getByText('No webhooks yet.').waitFor();
    await page.getByLabel('Name').fill('On-call Slack');
    await page
      .getByLabel('URL')
      .fill('https://hooks.slack.com/services/T000/B000/supersecrettoken');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('heading', { name: 'On-call Slack' }).waitFor();
    expect(await page.content()).not.toContain('supersecrettoken');
    await page.getByRole('button', { name: 'Deliveries' }).click();
    await page.getByText('No alerts sent to this webhook yet.').waitFor();
    await screenshot(page, 'webhooks-1280');

    await page.goto(`${suite.stack.tower.url}/apps/${app.body.id}`);
    await page.getByRole('button', { name: 'Edit Pricing' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit Pricing' });
    await dialog.getByRole('checkbox', { name: /On-call Slack/ }).check();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const flag = await suite.stack.api<FlagDto>('GET', `/apps/${app.body.id}/flags/pricing`);
    expect(flag.body.alertWebhookIds).toHaveLength(1);

    await page.goto(`${suite.stack.tower.url}/webhooks`);
    await page.getByRole('button', { name: 'Delete On-call Slack' }).click();
    await page
      .getByRole('dialog', { name: 'Delete webhook?' })
      .getByRole('button', { name: 'Delete webhook' })
      .click();
    await page.getByText('No webhooks yet.').waitFor();
    expect((await suite.stack.api<ListPage<unknown>>('GET', '/webhooks')).body.items).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('filters the global log and appends matching entries live', async () => {
    const app = await suite.stack.api<AppDto>('POST', '/apps', { title: 'Logged app' });
    await suite.stack.api('POST', `/apps/${app.body.id}/flags`, {
      key: 'audited',
      title: 'Audited',
    });
    await suite.stack.api('POST', `/apps/${app.body.id}/flags/audited/toggle`, { active: true });

    const { page, errors } = await openPage(suite.browser);
    await page.goto(`${suite.stack.tower.url}/logs`);
    await page.getByRole('cell', { name: 'flag.created' }).first().waitFor();
    await page.getByLabel('App').selectOption({ label: 'Logged app' });
    await page.getByLabel('Action').selectOption('flag.*');
    await page.getByLabel('Actor').fill(E2E_ACTOR);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action=flag\.\*/);
    const rows = page.locator('tbody tr');
    await page.getByRole('cell', { name: 'flag.toggled_on' }).waitFor();
    await page.getByRole('cell', { name: 'app.created' }).waitFor({ state: 'detached' });
    // The filtered page replaces the unfiltered one (through a loading state): wait for it.
    await rowCount(page, 2);
    expect(await rows.count()).toBe(2);

    // Entries appended elsewhere appear without a reload; ones outside the filters do not.
    await suite.stack.api('POST', '/apps', { title: 'Unrelated app' });
    await suite.stack.api('POST', `/apps/${app.body.id}/flags/audited/toggle`, { active: false });
    await page.getByRole('cell', { name: 'flag.toggled_off' }).waitFor();
    await rowCount(page, 3);
    expect(await rows.count()).toBe(3);
    await screenshot(page, 'logs-filtered-1280');

    // The filters live in the URL, so the view survives a reload and can be shared.
    await page.reload();
    await page.getByRole('cell', { name: 'flag.toggled_off' }).waitFor();
    expect(await page.getByLabel('Actor').inputValue()).toBe(E2E_ACTOR);
    expect(errors).toEqual([]);
  });

  it("rolls an optimistic toggle back with the server's message when Tower refuses it", async () => {
    const app = await suite.stack.api<AppDto>('POST', '/apps', { title: 'Refusals' });
    await suite.stack.api('POST', `/apps/${app.body.id}/flags`, {
      key: 'gone-soon',
      title: 'Gone soon',
    });
    const { page, errors } = await openPage(suite.browser);
    // Cut this page's live connection so it does not hear about the deletion below.
    await page.routeWebSocket(/\/socket\.io\//, (ws) => ws.close());
    await page.route(/\/socket\.io\//, (route) => route.abort());
    await page.goto(`${suite.stack.tower.url}/apps/${app.body.id}`);
    const toggle = page.getByRole('switch', { name: 'Gone soon active' });
    await waitForAttribute(toggle, 'aria-checked', 'false');
    await page.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();

    expect((await suite.stack.api('DELETE', `/apps/${app.body.id}/flags/gone-soon`)).status).toBe(
      204,
    );
    await toggle.click();
    const alert = page.getByRole('alert').filter({ hasText: 'Could not turn Gone soon on' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/not found/i);
    await waitForAttribute(toggle, 'aria-checked', 'false');
    await screenshot(page, 'toggle-refused-1280');
    expect(errors).toEqual([]);
  });

  it('shows the first page of apps and loads the rest with "Load more"', async () => {
    const titles = Array.from({ length: 52 }, (_, i) => `Paged app ${String(i).padStart(2, '0')}`);
    for (const title of titles) await suite.stack.api('POST', '/apps', { title });
    const { page, errors } = await openPage(suite.browser);
    await page.goto(`${suite.stack.tower.url}/apps`);
    const apps = page.getByRole('list', { name: 'Apps' });
    await apps.getByRole('link', { name: titles[0], exact: true }).waitFor();
    // Oldest first, 50 a page: the newest app is on a later page.
    expect(await apps.getByRole('link', { name: titles[51], exact: true }).count()).toBe(0);
    const more = page.getByRole('button', { name: 'Load more' });
    while (await more.isVisible()) {
      await more.click();
      await page.waitForFunction(() => !document.querySelector('button.load-more[disabled]'));
    }
    await apps.getByRole('link', { name: titles[51], exact: true }).waitFor();
    for (const title of titles)
      expect(await apps.getByRole('link', { name: title, exact: true }).count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
