/**
 * The circuit chart as a person reads it (issue 11 item 8): transitions and manual changes are
 * marked on the chart, the 1 h view keeps a seconds-long trip visible (peak per minute, not only
 * the average), the control arm is drawn when the flag has one, and an idle flag reads
 * "No traffic" instead of "Healthy".
 */
import { FINE_RESOLUTION_MS, bucketStart, type AppDto, type FlagDto } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
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
  waitForAttribute,
} from './harness.js';

describe('circuit chart in Chromium', { timeout: 60_000 }, () => {
  let airbag: Airbag | undefined;
  let manager: FlagManager | undefined;
  const suite = browserSuite(async () => {
    await manager?.close();
    await airbag?.close();
  });

  it('marks the trip and the manual turn-on, keeps the trip visible at 1 h, and draws the control arm', async () => {
    const app = await suite.stack.api<AppDto>('POST', '/apps', { title: 'Search' });
    const appId = app.body.id;
    const created = await suite.stack.api<FlagDto>('POST', `/apps/${appId}/flags`, {
      key: 'search-v2',
      title: 'Search v2',
      active: true,
      rolloutPercentage: 50,
      circuit: { mode: 'relative', relativeMarginPoints: 10, minimumRequests: 20 },
    });
    expect(created.status).toBe(201);
    airbag = await stackAirbag(suite.stack);
    await airbag.waitForRule(appId, 'search-v2', created.body.version, 5_000);
    manager = sdkClient(suite.stack, appId);
    await manager.initialize();
    const search = manager.newToggler('search-v2');
    await eventually(() => search.evaluate('u').reason !== 'flag_not_found', LIVE_TIMEOUT_MS);

    // Healthy traffic in both arms, then — a second later — the new code fails for everyone who
    // has the flag while the old path (the control arm) stays healthy.
    const ok = () => Promise.resolve('results');
    const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    for (const u of users) await search.run(ok, { fallback: ok, userContext: u });
    await manager.flush();
    const healthySecond = bucketStart(Date.now(), FINE_RESOLUTION_MS);
    await eventually(
      () => bucketStart(Date.now(), FINE_RESOLUTION_MS) > healthySecond,
      2 * FINE_RESOLUTION_MS,
    );
    // The SDK stamps a batch halfway between its previous collection and this one: an (empty)
    // flush now makes sure the failing batch is stamped in the new second.
    await manager.flush();
    const broken = () => Promise.reject(new Error('index missing'));
    for (const u of users)
      await search.run(broken, { fallback: ok, userContext: u }).catch(() => undefined);
    await manager.flush();
    const failingSecond = bucketStart(Date.now(), FINE_RESOLUTION_MS);
    await eventually(
      async () => (await airbag!.tick()).published.some((e) => e.type === 'circuit.opened'),
      LIVE_TIMEOUT_MS,
      100,
    );
    const tripped = await eventually(async () => {
      const f = await suite.stack.api<FlagDto>('GET', `/apps/${appId}/flags/search-v2`);
      return f.body.circuitStatus.state === 'open' ? f.body : null;
    }, LIVE_TIMEOUT_MS);
    // A person turns it back on (manual change, marked too).
    const on = await suite.stack.api<FlagDto>('POST', `/apps/${appId}/flags/search-v2/toggle`, {
      active: true,
      reason: 'index rebuilt',
      version: tripped.version,
    });
    expect(on.status).toBe(200);

    const { page, errors } = await openPage(suite.browser);
    await page.goto(`${suite.stack.tower.url}/apps/${appId}/flags/search-v2?tab=circuit`);
    await page.getByTestId('relative-mode').waitFor();

    for (const window of ['30 s', '1 h'] as const) {
      await page.getByRole('radio', { name: window }).check();
      // The trip and the manual turn-on, as labelled marks on the chart.
      await page.getByRole('img', { name: /^Tripped at .* by airbag$/ }).waitFor();
      await page.getByRole('img', { name: /^Turned on at / }).waitFor();
      // The control arm: a series of its own, and its error rate beside the totals.
      await page.locator('.u-legend').getByText('Control error rate').waitFor();
      const totals = page.getByTestId('ts-totals');
      await expect
        .poll(() =>
          totals.locator('div', { hasText: 'Control error rate' }).locator('dd').innerText(),
        )
        .toBe('0 %');
    }
    // At 1 h a bucket is a minute: its average mixes the healthy and the failing second, its
    // peak is the failing second (every on-arm call failed).
    const totals = page.getByTestId('ts-totals');
    const peak = totals.locator('div', { hasText: /^Peak/ }).locator('dd');
    await expect.poll(() => peak.innerText()).toBe('100 %');
    await page.locator('.u-legend').getByText('Peak error rate').waitFor();
    if (bucketStart(healthySecond, 60_000) === bucketStart(failingSecond, 60_000)) {
      const average = await totals
        .locator('div', { hasText: /^Error rate/ })
        .locator('dd')
        .innerText();
      expect(Number.parseFloat(average)).toBeLessThan(80);
    }
    await screenshot(page, 'circuit-chart-1h-1280');
    expect(errors).toEqual([]);
  });

  it('shows an idle flag as "No traffic", not "Healthy", and a flag with calls as "Healthy"', async () => {
    const app = await suite.stack.api<AppDto>('POST', '/apps', { title: 'Idle' });
    const appId = app.body.id;
    for (const key of ['quiet', 'busy'])
      await suite.stack.api('POST', `/apps/${appId}/flags`, { key, title: key, active: true });
    const busy = sdkClient(suite.stack, appId);
    await busy.initialize();
    const t = busy.newToggler('busy');
    for (let i = 0; i < 10; i++) t.emitSuccess();
    await busy.flush();
    await busy.close();

    const { page, errors } = await openPage(suite.browser);
    // The flag list says the same as the flag page.
    await page.goto(`${suite.stack.tower.url}/apps/${appId}`);
    const rowBadge = (title: string) =>
      page
        .getByRole('link', { name: `Circuit health of ${title}` })
        .locator('[data-circuit-state]');
    await waitForAttribute(rowBadge('quiet'), 'data-traffic', 'none');
    expect(await rowBadge('quiet').innerText()).toBe('No traffic');
    await waitForAttribute(rowBadge('busy'), 'data-traffic', 'some');
    expect(await rowBadge('busy').innerText()).toBe('Healthy');

    await page.goto(`${suite.stack.tower.url}/apps/${appId}/flags/quiet`);
    const quiet = page.locator('header [data-circuit-state], [data-circuit-state]').first();
    await waitForAttribute(quiet, 'data-traffic', 'none');
    expect(await quiet.innerText()).toBe('No traffic');
    await expect.poll(() => page.getByText('Healthy', { exact: true }).count()).toBe(0);

    await page.goto(`${suite.stack.tower.url}/apps/${appId}/flags/busy`);
    const state = page.locator('[data-circuit-state]').first();
    await waitForAttribute(state, 'data-traffic', 'some');
    expect(await state.innerText()).toBe('Healthy');
    expect(errors).toEqual([]);
  });
});
