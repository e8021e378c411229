import { FINE_RESOLUTION_MS, bucketStart, type AppDto, type FlagDto } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import type { Airbag } from '../../airbag/src/index.js';
import type { FlagManager } from '../../sdk-node/src/index.js';
import { eventually } from '@tailslide/test-support';
import {
  browserSuite,
  collectPageErrors,
  LIVE_TIMEOUT_MS,
  newContext,
  screenshot,
  sdkClient,
  stackAirbag,
  waitForAttribute,
} from './harness.js';

// The vitest project has the default 5 s test timeout; a browser scenario needs more.
describe('circuit health in Chromium', { timeout: 30_000 }, () => {
  let airbag: Airbag | undefined;
  let manager: FlagManager | undefined;
  // Airbag's clock: real time plus an offset the test moves forward instead of sleeping. It stays
  // well inside the 30 s window so the signals the SDK writes now still count.
  let clockOffsetMs = 0;
  const suite = browserSuite(async () => {
    await manager?.close();
    await airbag?.close();
  });

  // Airbag decides on its own terms (lease, evidence span); tick until it has published `type`.
  const tickUntil = (type: string) =>
    eventually(
      async () => (await airbag!.tick()).published.some((e) => e.type === type),
      LIVE_TIMEOUT_MS,
      100,
    );

  it('shows a trip injected through Airbag live on the flag page and the flag list, then each step of the recovery ramp', async () => {
    const app = await suite.stack.api<AppDto>('POST', '/apps', { title: 'Recommendations' });
    const created = await suite.stack.api<FlagDto>('POST', `/apps/${app.body.id}/flags`, {
      key: 'recs-v2',
      title: 'Recs v2',
      active: true,
      rolloutPercentage: 100,
      circuit: {
        minimumRequests: 5,
        errorThresholdPercentage: 50,
        windowMs: 30_000,
        recoveryDelayMs: 2_000,
        recoveryStepMs: 2_000,
        initialRecoveryPercentage: 10,
      },
    });
    expect(created.status).toBe(201);
    const appId = app.body.id;

    airbag = await stackAirbag(suite.stack, () => Date.now() + clockOffsetMs);
    await airbag.waitForRule(appId, 'recs-v2', created.body.version, 5_000);

    manager = sdkClient(suite.stack, appId);
    await manager.initialize();
    const toggler = manager.newToggler({ flagName: 'recs-v2' });
    await eventually(() => toggler.isFlagActive('user-1'), LIVE_TIMEOUT_MS);

    const context = await newContext(suite.browser);
    const flagPage = await context.newPage();
    const listPage = await context.newPage();
    const errors = [...collectPageErrors(flagPage), ...collectPageErrors(listPage)];
    await listPage.goto(`${suite.stack.tower.url}/apps/${appId}`);
    await flagPage.goto(`${suite.stack.tower.url}/apps/${appId}/flags/recs-v2?tab=circuit`);
    await flagPage.getByRole('radio', { name: '30 s' }).check();
    const state = flagPage.getByTestId('circuit-state').locator('[data-circuit-state]');
    await waitForAttribute(state, 'data-circuit-state', 'closed');
    await flagPage.getByText('This circuit has never tripped.').waitFor();

    // The service starts failing: the SDK records it in Redis, Airbag reads it and trips.
    for (let i = 0; i < 3; i++) toggler.emitSuccess();
    for (let i = 0; i < 17; i++) toggler.emitFailure();
    await manager.flush();
    const failuresBucket = bucketStart(Date.now(), FINE_RESOLUTION_MS);
    await tickUntil('circuit.opened');

    await waitForAttribute(state, 'data-circuit-state', 'open');
    await waitForAttribute(
      flagPage.getByRole('switch', { name: 'Recs v2 active' }),
      'aria-checked',
      'false',
    );
    await flagPage
      .getByRole('list', { name: 'Circuit transitions' })
      .getByText('circuit.opened')
      .waitFor();
    await waitForAttribute(
      listPage.locator('[data-flag-key="recs-v2"] [data-circuit-state]'),
      'data-circuit-state',
      'open',
    );
    await eventually(() => !toggler.isFlagActive('user-1'), LIVE_TIMEOUT_MS);
    // The 30 s chart picks up the failures from Redis on its next refresh.
    await flagPage.getByTestId('ts-totals').getByText('17', { exact: true }).waitFor();
    await screenshot(flagPage, 'circuit-open-1280');
    await screenshot(listPage, 'flags-circuit-open-1280');

    // The recovery delay passes (on Airbag's clock): recovery starts at 10 %, shown as it ramps.
    await eventually(
      () => airbag?.rule(appId, 'recs-v2')?.circuitStatus.state === 'open',
      LIVE_TIMEOUT_MS,
    );
    // Recovery evidence starts at the bucket holding the recovering transition; let the real clock
    // leave the bucket the failures were written to, so they are not counted against recovery.
    await eventually(
      () => bucketStart(Date.now(), FINE_RESOLUTION_MS) > failuresBucket,
      2 * FINE_RESOLUTION_MS,
    );
    clockOffsetMs = 2_500;
    await tickUntil('circuit.recovering');
    await waitForAttribute(state, 'data-circuit-state', 'recovering');
    await waitForAttribute(
      flagPage.getByRole('progressbar', { name: 'Recovery' }),
      'aria-valuenow',
      '10',
    );
    await flagPage
      .getByRole('list', { name: 'Circuit transitions' })
      .getByText('circuit.recovering')
      .waitFor();
    await listPage.locator('[data-flag-key="recs-v2"]').getByText('Recovering 10 %').waitFor();

    // Healthy traffic through the recovery step interval: the ramp goes up a step, live.
    await eventually(
      () => airbag?.rule(appId, 'recs-v2')?.circuitStatus.state === 'recovering',
      LIVE_TIMEOUT_MS,
    );
    // Airbag stamps the recovery with its own clock (ADR 0008), 2.5 s ahead of the SDK's here:
    // let the real clock reach it, so the healthy batch falls inside the recovery interval.
    const recoveringSince = Date.parse(airbag?.circuitState(appId, 'recs-v2')?.since ?? '');
    await eventually(() => Date.now() >= recoveringSince, LIVE_TIMEOUT_MS);
    // The SDK stamps a batch halfway between its previous collection and this one; an (empty)
    // flush first makes sure the healthy batch is stamped after the recovering transition.
    await manager.flush();
    for (let i = 0; i < 20; i++) toggler.emitSuccess();
    await manager.flush();
    clockOffsetMs += 2_500;
    await tickUntil('circuit.step');
    await waitForAttribute(
      flagPage.getByRole('progressbar', { name: 'Recovery' }),
      'aria-valuenow',
      '20',
    );
    await flagPage
      .getByRole('list', { name: 'Circuit transitions' })
      .getByText('circuit.step')
      .waitFor();
    await listPage.locator('[data-flag-key="recs-v2"]').getByText('Recovering 20 %').waitFor();
    await screenshot(flagPage, 'circuit-recovering-1280');
    expect(errors).toEqual([]);
  });
});
