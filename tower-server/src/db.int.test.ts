import type { AppDto, FlagDto } from '@tailslide/contracts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, services } from '@tailslide/test-support';
import { startTestTower, type TestTower } from '../test/tower-fixture.js';

describe('Postgres dropping connections (pg_terminate_backend)', () => {
  let t: TestTower;
  beforeAll(async () => {
    t = await startTestTower();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps serving through killed connections, mid-transaction included, and the KV converges', async () => {
    const appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Busy' })).body.id;
    await t.api('POST', `/api/apps/${appId}/flags`, { key: 'busy', title: 'B' });
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        await t
          .api('PATCH', `/api/apps/${appId}/flags/busy`, { title: `t${i}` })
          .catch(() => undefined);
      }
    })();
    const admin = new pg.Client({ connectionString: services.postgresUrl });
    await admin.connect();
    try {
      for (let round = 0; round < 30; round++) {
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [t.db.name],
        );
        await new Promise((r) => setTimeout(r, 30));
      }
    } finally {
      await admin.end();
      stop = true;
      await writer;
    }
    await eventually(async () => (await t.api('GET', '/api/apps')).status === 200);
    const final = await t.api<FlagDto>('PATCH', `/api/apps/${appId}/flags/busy`, {
      title: 'final',
    });
    expect(final.status).toBe(200);
    await eventually(async () => (await t.kvRule(appId, 'busy'))?.version === final.body.version);
  }, 30_000);
});
