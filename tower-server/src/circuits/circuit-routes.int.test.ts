import type { AppDto } from '@tailslide/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, privateRedisServer, type ManagedServer } from '@tailslide/test-support';
import { startTestTower, type TestTower } from '../../test/tower-fixture.js';

describe('time series while Redis is down (private redis-server)', () => {
  let redis: ManagedServer;
  let t: TestTower;
  beforeAll(async () => {
    redis = await privateRedisServer();
    // Not started: Tower must start without Redis (it only feeds the charts).
    t = await startTestTower({ redisUrl: redis.url });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await redis?.dispose();
  });

  it('answers 503 while Redis is unreachable and recovers when it returns; flags keep working', async () => {
    const appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Charts' })).body.id;
    expect((await t.api('POST', `/api/apps/${appId}/flags`, { key: 'c', title: 'C' })).status).toBe(
      201,
    );
    const down = await t.api<{ error: { code: string } }>(
      'GET',
      `/api/apps/${appId}/flags/c/timeseries?window=30s`,
    );
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('unavailable');
    await redis.start();
    await eventually(
      async () =>
        (await t.api('GET', `/api/apps/${appId}/flags/c/timeseries?window=30s`)).status === 200,
      10_000,
    );
  }, 30_000);
});
