import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppDto, FlagDto } from '@tailslide/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Airbag } from '../../airbag/src/index.js';
import type { FlagManager } from '../../sdk-node/src/index.js';
import { eventually } from '@tailslide/test-support';
import {
  browserSuite,
  LIVE_TIMEOUT_MS,
  openPage,
  screenshot,
  sdkClient,
  stackAirbag,
} from './harness.js';

/** A local stand-in for Slack: records every POST body; answers 500 to the first `failFirst`. */
interface Receiver {
  readonly host: string;
  readonly bodies: unknown[];
  readonly statuses: number[];
  close(): Promise<void>;
}

async function startReceiver(failFirst: number): Promise<Receiver> {
  const bodies: unknown[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/hook') {
        res.writeHead(404).end();
        return;
      }
      const status = statuses.length < failFirst ? 500 : 200;
      statuses.push(status);
      if (status === 200) bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    bodies,
    statuses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// The vitest project has the default 5 s test timeout; a browser scenario needs more.
describe('dashboard in Chromium: renaming apps, Slack alerts', { timeout: 30_000 }, () => {
  let receiver: Receiver | undefined;
  let airbag: Airbag | undefined;
  let manager: FlagManager | undefined;
  // Registered before browserSuite's hook, so the receiver's address is known when Tower starts.
  beforeAll(async () => {
    receiver = await startReceiver(1);
  });
  const suite = browserSuite(
    async () => {
      await manager?.close();
      await airbag?.close();
      await receiver?.close();
    },
    () => ({ webhookAllowedHosts: [receiver!.host] }),
  );

  it('renames an app with the keyboard; the list and breadcrumbs update, live in another browser too', async () => {
    const app = await suite.stack.api<AppDto>('POST', '/apps', { title: 'Billing' });
    await suite.stack.api('POST', `/apps/${app.body.id}/flags`, {
      key: 'invoices',
      title: 'Invoices',
    });
    const appHref = `/apps/${encodeURIComponent(app.body.id)}`;
    const { page, errors } = await openPage(suite.browser);
    // Another browser (its own context) watches the apps list and the flag page.
    const { page: otherList, errors: otherErrors } = await openPage(suite.browser);
    const otherFlag = await otherList.context().newPage();
    await otherList.goto(`${suite.stack.tower.url}/apps`);
    await otherFlag.goto(`${suite.stack.tower.url}${appHref}/flags/invoices`);
    const otherCrumbs = otherFlag.getByRole('navigation', { name: 'Breadcrumb' });
    await otherCrumbs.getByRole('link', { name: 'Billing', exact: true }).waitFor();
    await otherList.getByRole('link', { name: 'Billing', exact: true }).waitFor();

    await page.goto(`${suite.stack.tower.url}/apps`);
    const rename = page.getByRole('button', { name: 'Rename Billing', exact: true });
    const dialog = page.getByRole('dialog', { name: 'Rename app' });
    const name = dialog.getByRole('textbox', { name: 'Name' });
    const isFocused = (locator: typeof name) =>
      locator.evaluate((el) => el === document.activeElement);

    // Escape closes the dialog without renaming.
    await rename.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await rename.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    // The name field has focus on open, holding the current name, ready to be retyped.
    await eventually(() => isFocused(name), LIVE_TIMEOUT_MS, 50);
    expect(await name.inputValue()).toBe('Billing');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('Billing & payments');
    await screenshot(page, 'app-rename-dialog-1280');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });

    const link = page.getByRole('link', { name: 'Billing & payments', exact: true });
    await link.waitFor();
    await page.getByRole('link', { name: 'Billing', exact: true }).waitFor({ state: 'detached' });
    // Focus returns to the row's button, which now names the new title.
    expect(await isFocused(page.getByRole('button', { name: 'Rename Billing & payments' }))).toBe(
      true,
    );
    const stored = await suite.stack.api<AppDto>('GET', `/apps/${app.body.id}`);
    expect(stored.body.title).toBe('Billing & payments');
    await screenshot(page, 'app-renamed-1280');

    // The other browser saw it without a reload: the list, and the flag page's breadcrumb.
    await otherList.getByRole('link', { name: 'Billing & payments', exact: true }).waitFor();
    await otherCrumbs.getByRole('link', { name: 'Billing & payments', exact: true }).waitFor();
    await screenshot(otherFlag, 'app-renamed-live-breadcrumb-1280');

    // The app page carries the new title in its breadcrumb and heading.
    await link.click();
    await page.getByRole('heading', { name: 'Billing & payments', level: 1 }).waitFor();
    await page
      .getByRole('navigation', { name: 'Breadcrumb' })
      .getByText('Billing & payments', { exact: true })
      .waitFor();
    await page.getByRole('link', { name: 'Invoices', exact: true }).click();
    await page
      .getByRole('navigation', { name: 'Breadcrumb' })
      .getByRole('link', { name: 'Billing & payments', exact: true })
      .waitFor();
    expect([...errors, ...otherErrors]).toEqual([]);
  });

  it('sends a Slack Block Kit alert when Airbag trips a subscribed flag, retries a 500, and shows the delivery', async () => {
    const app = await suite.stack.api<AppDto>('POST', '/apps', { title: 'Payments' });
    const appId = app.body.id;
    const created = await suite.stack.api<FlagDto>('POST', `/apps/${appId}/flags`, {
      key: 'card-vault',
      title: 'Card vault',
      active: true,
      rolloutPercentage: 100,
      circuit: {
        minimumRequests: 5,
        errorThresholdPercentage: 50,
        windowMs: 30_000,
        recoveryDelayMs: 60_000,
        recoveryStepMs: 60_000,
        initialRecoveryPercentage: 10,
      },
    });
    expect(created.status).toBe(201);

    // Add the webhook and subscribe the flag to it, both in the dashboard.
    const { page, errors } = await openPage(suite.browser);
    await page.goto(`${suite.stack.tower.url}/webhooks`);
    await page.getByLabel('Name').fill('Payments on-call');
    await page.getByLabel('URL').fill(`http://${receiver!.host}/hook`);
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('heading', { name: 'Payments on-call' }).waitFor();

    await page.goto(`${suite.stack.tower.url}/apps/${encodeURIComponent(appId)}`);
    await page.getByRole('button', { name: 'Edit Card vault' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit Card vault' });
    await dialog.getByRole('checkbox', { name: /Payments on-call/ }).check();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const flag = await suite.stack.api<FlagDto>('GET', `/apps/${appId}/flags/card-vault`);
    expect(flag.body.alertWebhookIds).toHaveLength(1);

    // Trip the circuit exactly as circuit-health.test.ts does: SDK failures, Airbag decides.
    airbag = await stackAirbag(suite.stack);
    await airbag.waitForRule(appId, 'card-vault', flag.body.version, 5_000);
    manager = sdkClient(suite.stack, appId);
    await manager.initialize();
    const toggler = manager.newToggler({ flagName: 'card-vault' });
    await eventually(() => toggler.isFlagActive('user-1'), LIVE_TIMEOUT_MS);
    for (let i = 0; i < 3; i++) toggler.emitSuccess();
    for (let i = 0; i < 17; i++) toggler.emitFailure();
    await manager.flush();
    await eventually(
      async () => (await airbag!.tick()).published.some((e) => e.type === 'circuit.opened'),
      LIVE_TIMEOUT_MS,
      100,
    );

    // Slack's stand-in: refused once, then accepted the retry carrying a Block Kit message.
    await eventually(() => receiver!.bodies.length > 0, LIVE_TIMEOUT_MS, 50);
    expect(receiver!.statuses.slice(0, 2)).toEqual([500, 200]);
    const message = receiver!.bodies[0] as { text?: unknown; blocks?: unknown };
    expect(Array.isArray(message.blocks)).toBe(true);
    expect((message.blocks as unknown[]).length).toBeGreaterThan(0);
    const rendered = JSON.stringify(message);
    expect(rendered).toContain('card-vault');
    expect(rendered).toContain('Circuit opened');

    // The webhook's deliveries view shows it delivered on the second attempt.
    await page.goto(`${suite.stack.tower.url}/webhooks`);
    const deliveriesButton = page.getByRole('button', { name: 'Deliveries' });
    const row = page.locator('.deliveries tbody tr').filter({ hasText: 'card-vault' });
    const status = row.locator('[data-label="Status"]');
    // The view loads when opened; Tower records the outcome just after Slack answers, so reopen
    // it (as a user would) until the delivery is settled.
    await eventually(
      async () => {
        if ((await deliveriesButton.getAttribute('aria-expanded')) === 'true') {
          await deliveriesButton.click();
        }
        await deliveriesButton.click();
        await row.waitFor();
        return (await status.textContent())?.includes('delivered') ?? false;
      },
      LIVE_TIMEOUT_MS,
      200,
    );
    expect(await row.getByText('circuit.opened').count()).toBe(1);
    expect(await row.locator('[data-label="Attempts"]').textContent()).toBe('2');
    expect(await row.locator('[data-label="Last answer"]').textContent()).toContain('HTTP 200');
    await screenshot(page, 'webhook-delivered-after-retry-1280');
    expect(errors).toEqual([]);
  });
});
