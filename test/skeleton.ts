/**
 * The walking-skeleton scenario (issue 2), shared by the system tests that run it against the
 * shared services and against a private NATS configured with the repository's nats.conf.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { createClient } from 'redis';
import { expect } from 'vitest';
import type { AuditEntryDto, FlagDto, Page } from '@tailslide/contracts';
import { FlagManager } from '../sdk-node/src/index.js';
import { startAirbag, type Airbag } from '../airbag/src/index.js';
import { eventually, signInAdmin } from '@tailslide/test-support';

/** Where the scenario runs and the unique names it uses. */
export interface SkeletonSetup {
  readonly towerUrl: string;
  /** The connection Airbag uses (its own NATS user where permissions apply). */
  readonly airbagNats: NatsConnection;
  /** URL the SDK connects to (with the SDK key the scenario creates in Tower). */
  readonly sdkNatsUrl: string;
  readonly redis: ReturnType<typeof createClient>;
  readonly redisUrl: string;
  readonly flagsBucket?: string;
  readonly airbagBucket?: string;
  readonly circuitStream?: string;
  readonly circuitSubjectRoot?: string;
  readonly redisPrefix: string;
}

/** What the scenario started; the caller closes it. */
export interface SkeletonRun {
  manager: FlagManager | undefined;
  airbag: Airbag | undefined;
}

/** Runs the scenario against a Tower started with `admin: TEST_ADMIN`, signed in as that admin. */
export async function runWalkingSkeleton(s: SkeletonSetup, run: SkeletonRun): Promise<void> {
  const admin = await signInAdmin(s.towerUrl);
  const api = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    admin.request<T>(method, path, body);

  // 1. Create an app and a flag through Tower's HTTP API.
  const app = await api<{ id: string }>('POST', '/api/apps', { title: 'Checkout service' });
  const created = await api<FlagDto>('POST', `/api/apps/${app.id}/flags`, {
    key: 'new-checkout',
    title: 'New checkout',
    active: true,
    rolloutPercentage: 0,
    whitelist: ['tester-1'],
    circuit: { enabled: true, errorThresholdPercentage: 50, minimumRequests: 10, windowMs: 60_000 },
  });
  expect(created.active).toBe(true);

  // 2. An admin creates the app's SDK key; an SDK client with it sees the flag within 1 s (true
  //    for the whitelisted user). Where NATS enforces keys, the key is the SDK's only credential.
  const { key } = await api<{ key: string }>('POST', '/api/sdk-keys', {
    name: 'checkout backend',
    appId: app.id,
  });
  const manager = new FlagManager({
    sdkKey: key,
    nats: s.sdkNatsUrl,
    redis: s.redisUrl,
    ...(s.flagsBucket ? { flagsBucket: s.flagsBucket } : {}),
    redisPrefix: s.redisPrefix,
  });
  run.manager = manager;
  await manager.initialize();
  const toggler = manager.newToggler({ flagName: 'new-checkout' });
  await eventually(() => toggler.isFlagActive('tester-1'), 1_000);
  expect(toggler.isFlagActive('someone-else')).toBe(false);

  // 3. Toggle off through the API → the SDK sees false.
  await api('POST', `/api/apps/${app.id}/flags/new-checkout/toggle`, { active: false });
  await eventually(() => !toggler.isFlagActive('tester-1'), 1_000);

  // 4. Toggle on; the SDK records 20 failures.
  const on = await api<FlagDto>('POST', `/api/apps/${app.id}/flags/new-checkout/toggle`, {
    active: true,
  });
  await eventually(() => toggler.isFlagActive('tester-1'), 1_000);
  for (let i = 0; i < 20; i++) toggler.emitFailure();
  await manager.flush();

  // 5. One Airbag tick computes an error rate over the threshold and publishes circuit.opened.
  const airbag = await startAirbag({
    nats: s.airbagNats,
    redis: s.redis,
    ...(s.flagsBucket ? { flagsBucket: s.flagsBucket } : {}),
    ...(s.airbagBucket ? { airbagBucket: s.airbagBucket } : {}),
    ...(s.circuitStream ? { circuitStream: s.circuitStream } : {}),
    ...(s.circuitSubjectRoot ? { circuitSubjectRoot: s.circuitSubjectRoot } : {}),
    redisPrefix: s.redisPrefix,
    autoPoll: false,
  });
  run.airbag = airbag;
  await airbag.waitForRule(app.id, 'new-checkout', on.version, 2_000);
  const result = await airbag.tick();
  expect(result.published.map((e) => e.type)).toEqual(['circuit.opened']);

  // 6. Tower applies it: flag off in Postgres (API) and KV, an audit row with actor airbag.
  const tripped = await eventually(async () => {
    const f = await api<FlagDto>('GET', `/api/apps/${app.id}/flags/new-checkout`);
    return f.circuitStatus.state === 'open' ? f : null;
  }, 3_000);
  expect(tripped.active).toBe(false);
  const logs = await api<Page<AuditEntryDto>>('GET', `/api/apps/${app.id}/flags/new-checkout/logs`);
  expect(logs.items.some((e) => e.actor === 'airbag' && e.action === 'circuit.opened')).toBe(true);

  // 7. The SDK sees false.
  await eventually(() => !toggler.isFlagActive('tester-1'), 1_000);
}
