import { CircuitEventType, type AppDto, type FlagDto } from '@tailslide/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, privateNatsServer, type ManagedServer } from '@tailslide/test-support';
import { startTestTower, type TestTower } from '../../test/tower-fixture.js';

describe('outbox relay while NATS is down (private nats-server)', () => {
  let nats: ManagedServer;
  let t: TestTower;
  beforeAll(async () => {
    nats = await privateNatsServer();
    await nats.start();
    t = await startTestTower({ natsUrl: nats.url });
  });
  afterAll(async () => {
    await nats?.start();
    await t?.close();
    await nats?.dispose();
  });

  it('accepts updates while NATS is down and publishes them within 2 s after it returns', async () => {
    const appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Outage' })).body.id;
    const created = await t.createFlag(appId, 'resilient', { title: 'R' });
    await eventually(async () => (await t.kvRule(appId, 'resilient'))?.version === created.version);

    await nats.stop();
    const patched = await t.api<FlagDto>('PATCH', `/api/apps/${appId}/flags/resilient`, {
      rolloutPercentage: 42.5,
    });
    expect(patched.status).toBe(200);
    const toggled = await t.api<FlagDto>('POST', `/api/apps/${appId}/flags/resilient/toggle`, {
      active: false,
    });
    expect(toggled.status).toBe(200);
    expect((await t.api<{ status: string }>('GET', '/readyz')).status).toBe(503);

    await nats.start();
    const rule = await eventually(async () => {
      const r = await t.kvRule(appId, 'resilient');
      return r?.version === toggled.body.version ? r : null;
    }, 2_000);
    expect(rule).toMatchObject({ active: false, rolloutPercentage: 42.5 });
    await eventually(async () => (await t.api('GET', '/readyz')).status === 200);
  }, 30_000);

  it('keeps consuming circuit events after NATS restarts', async () => {
    const appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Restart' })).body.id;
    const flag = await t.createFlag(appId, 'after', { title: 'A' });
    await nats.stop();
    await nats.start();
    await eventually(async () => (await t.api('GET', '/readyz')).status === 200);
    await eventually(async () => {
      await t.publishEvent({
        type: CircuitEventType.opened,
        appId,
        flagKey: 'after',
        ruleVersion: flag.version,
      });
      return true;
    });
    const opened = await t.eventuallyCircuit(appId, 'after', 'open', 10_000);
    expect(opened.active).toBe(false);
  }, 30_000);
});
