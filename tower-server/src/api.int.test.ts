import {
  bucketStart,
  signalBucketKey,
  signalField,
  SocketEvent,
  type AppDto,
  type AuditEntryDto,
  type FlagDto,
  type FlagEventDto,
  parseSdkKey,
  type CreatedSdkKeyDto,
  type Page,
  type SdkKeyDto,
} from '@tailslide/contracts';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, services } from '@tailslide/test-support';
import { appendAudit, AuditAction } from './audit/audit-store.js';
import { connectDashboard, startTestTower, type TestTower } from '../test/tower-fixture.js';

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

describe('Tower REST API (real Postgres + NATS + Redis)', () => {
  let t: TestTower;
  let db: pg.Client;
  let appId: string;

  async function counts(): Promise<{ audit: number; outbox: number; flags: number; apps: number }> {
    const { rows } = await db.query<{ audit: number; outbox: number; flags: number; apps: number }>(
      `SELECT (SELECT count(*)::int FROM audit_log) AS audit, (SELECT count(*)::int FROM outbox) AS outbox,
              (SELECT count(*)::int FROM flags) AS flags, (SELECT count(*)::int FROM apps) AS apps`,
    );
    return rows[0]!;
  }

  /** Counts once the relay has drained the outbox (so a pending relay does not race the comparison). */
  async function settledCounts(): Promise<{
    audit: number;
    outbox: number;
    flags: number;
    apps: number;
  }> {
    return eventually(async () => {
      const c = await counts();
      return c.outbox === 0 ? c : null;
    });
  }

  beforeAll(async () => {
    t = await startTestTower();
    db = new pg.Client({ connectionString: t.db.url });
    await db.connect();
    appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Store' })).body.id;
    const flag = await t.api('POST', `/api/apps/${appId}/flags`, {
      key: 'existing',
      title: 'Existing',
    });
    expect(flag.status).toBe(201);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  describe('validation', () => {
    const bad: [string, string, string, unknown][] = [
      ['unknown field on create', 'POST', 'flags', { key: 'x1', title: 'X', colour: 'red' }],
      ['rollout 101', 'POST', 'flags', { key: 'x2', title: 'X', rolloutPercentage: 101 }],
      [
        'rollout finer than 0.1',
        'POST',
        'flags',
        { key: 'x3', title: 'X', rolloutPercentage: 12.34 },
      ],
      [
        'negative recovery delay',
        'POST',
        'flags',
        { key: 'x4', title: 'X', circuit: { recoveryDelayMs: -1 } },
      ],
      [
        'non-numeric threshold',
        'POST',
        'flags',
        { key: 'x5', title: 'X', circuit: { errorThresholdPercentage: 'fifty' } },
      ],
      [
        'unknown circuit setting',
        'POST',
        'flags',
        { key: 'x6', title: 'X', circuit: { tripAfter: 3 } },
      ],
      ['bad key', 'POST', 'flags', { key: 'has space', title: 'X' }],
      ['missing title', 'POST', 'flags', { key: 'x7' }],
      ['unknown webhook id', 'POST', 'flags', { key: 'x8', title: 'X', alertWebhookIds: ['999'] }],
      ['active through PATCH', 'PATCH', 'flags/existing', { active: true }],
      ['rollout as string', 'PATCH', 'flags/existing', { rolloutPercentage: '50' }],
      ['toggle without active', 'POST', 'flags/existing/toggle', {}],
      ['app id column in body', 'PATCH', 'flags/existing', { appId: '2' }],
    ];
    it.each(bad)('rejects %s with 400 and writes nothing', async (_name, method, path, body) => {
      const before = await settledCounts();
      const res = await t.api<ErrorBody>(method, `/api/apps/${appId}/${path}`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details).toBeInstanceOf(Array);
      expect(await counts()).toEqual(before);
    });

    it('rejects malformed JSON with 400 and an oversized body with 413', async () => {
      const malformed = await t.api<ErrorBody>('POST', '/api/apps', '{"title":');
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.code).toBe('invalid_json');
      const before = await settledCounts();
      const huge = await t.api<ErrorBody>('POST', `/api/apps/${appId}/flags`, {
        key: 'huge',
        title: 'H',
        description: 'x'.repeat(2_000_000),
      });
      expect(huge.status).toBe(413);
      expect(huge.body.error.code).toBe('payload_too_large');
      expect(await counts()).toEqual(before);
    });

    it('refuses a whitelist that would make the KV value too large to publish, writing nothing', async () => {
      const before = await settledCounts();
      const whitelist = Array.from({ length: 5_000 }, (_, i) => `${'u'.repeat(120)}${i}`);
      const res = await t.api<ErrorBody>('POST', `/api/apps/${appId}/flags`, {
        key: 'big',
        title: 'Big',
        whitelist,
      });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/too large|limit/);
      expect(await counts()).toEqual(before);
    });

    it('rejects unknown query parameters and bad filters', async () => {
      expect((await t.api('GET', `/api/logs?colour=red`)).status).toBe(400);
      expect((await t.api('GET', `/api/logs?limit=abc`)).status).toBe(400);
      expect((await t.api('GET', `/api/logs?from=yesterday`)).status).toBe(400);
      expect((await t.api('GET', `/api/logs?cursor=nonsense`)).status).toBe(400);
      expect(
        (await t.api('GET', `/api/apps/${appId}/flags/existing/timeseries?window=2h`)).status,
      ).toBe(400);
    });
  });

  describe('not found and conflicts', () => {
    it('answers 404 for unknown apps, flags, ids and endpoints', async () => {
      for (const path of [
        '/api/apps/999999',
        '/api/apps/abc',
        `/api/apps/${appId}/flags/nope`,
        '/api/apps/999999/flags',
        '/api/nothing-here',
      ]) {
        const res = await t.api<ErrorBody>('GET', path);
        expect(res.status, path).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
      expect((await t.api('POST', `/api/apps/999999/flags`, { key: 'k', title: 'K' })).status).toBe(
        404,
      );
      expect((await t.api('DELETE', '/api/sdk-keys/424242')).status).toBe(404);
    });

    it('answers 409 for a duplicate key, writing nothing', async () => {
      const before = await settledCounts();
      const res = await t.api<ErrorBody>('POST', `/api/apps/${appId}/flags`, {
        key: 'existing',
        title: 'Again',
      });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('conflict');
      expect(await counts()).toEqual(before);
    });

    it('enforces optimistic concurrency with a version field or If-Match', async () => {
      const created = (
        await t.api<FlagDto>('POST', `/api/apps/${appId}/flags`, { key: 'occ', title: 'OCC' })
      ).body;
      const first = await t.api<FlagDto>('PATCH', `/api/apps/${appId}/flags/occ`, {
        title: 'One',
        version: created.version,
      });
      expect(first.status).toBe(200);
      expect(first.headers.get('etag')).toBe(`"${first.body.version}"`);
      const before = await settledCounts();
      const stale = await t.api<ErrorBody>('PATCH', `/api/apps/${appId}/flags/occ`, {
        title: 'Two',
        version: created.version,
      });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe('version_conflict');
      const staleHeader = await t.api<ErrorBody>(
        'POST',
        `/api/apps/${appId}/flags/occ/toggle`,
        { active: true },
        { 'If-Match': `"${created.version}"` },
      );
      expect(staleHeader.status).toBe(409);
      expect(await counts()).toEqual(before);
      const ok = await t.api<FlagDto>(
        'POST',
        `/api/apps/${appId}/flags/occ/toggle`,
        { active: true },
        { 'If-Match': `"${first.body.version}"` },
      );
      expect(ok.status).toBe(200);
      expect(ok.body.active).toBe(true);
    });
  });

  describe('flags', () => {
    it('fills every circuit setting with the documented defaults and merges partial updates', async () => {
      const created = await t.api<FlagDto>('POST', `/api/apps/${appId}/flags`, {
        key: 'defaults',
        title: 'D',
        circuit: { windowMs: 60_000 },
      });
      expect(created.body.circuit).toEqual({
        enabled: true,
        errorThresholdPercentage: 50,
        minimumRequests: 20,
        windowMs: 60_000,
        recoveryDelayMs: 30_000,
        recoveryProfile: 'linear',
        initialRecoveryPercentage: 10,
        recoveryIncrementPercentage: 10,
        recoveryStepMs: 30_000,
        slowCallMs: null,
        mode: 'absolute',
        relativeMarginPoints: 10,
      });
      expect(created.body).toMatchObject({
        active: false,
        rolloutPercentage: 100,
        whitelist: [],
        description: '',
      });
      const patched = await t.api<FlagDto>('PATCH', `/api/apps/${appId}/flags/defaults`, {
        circuit: {
          recoveryProfile: 'exponential',
          errorThresholdPercentage: 25.5,
          mode: 'relative',
          relativeMarginPoints: 12.5,
        },
        whitelist: ['u1', 'u1', 'u2'],
      });
      expect(patched.body.circuit).toMatchObject({
        windowMs: 60_000,
        recoveryProfile: 'exponential',
        errorThresholdPercentage: 25.5,
        mode: 'relative',
        relativeMarginPoints: 12.5,
      });
      const badMode = await t.api<ErrorBody>('PATCH', `/api/apps/${appId}/flags/defaults`, {
        circuit: { mode: 'sideways', relativeMarginPoints: 0 },
      });
      expect(badMode.status).toBe(400);
      expect(patched.body.whitelist).toEqual(['u1', 'u2']);
      const rule = await eventually(async () => {
        const r = await t.kvRule(appId, 'defaults');
        return r?.version === patched.body.version ? r : null;
      });
      expect(rule.circuit.recoveryProfile).toBe('exponential');
      expect(rule.circuit).toMatchObject({ mode: 'relative', relativeMarginPoints: 12.5 });
    });

    it('records the signed-in user, what changed, the reason and its own request id in the audit log', async () => {
      const created = await t.api('POST', '/api/users', {
        email: 'maria@example.com',
        password: 'maria-password-1',
        role: 'editor',
      });
      expect(created.status).toBe(201);
      const login = await t.api(
        'POST',
        '/api/session',
        { email: 'maria@example.com', password: 'maria-password-1' },
        { authorization: '' },
      );
      expect(login.status).toBe(200);
      const cookie = /tailslide_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
      const asMaria = { authorization: '', cookie, 'X-Tailslide-User': 'airbag' };
      await t.api('POST', `/api/apps/${appId}/flags`, { key: 'audited', title: 'A' }, asMaria);
      await t.api(
        'PATCH',
        `/api/apps/${appId}/flags/audited`,
        { title: 'B', reason: 'typo in the title' },
        { ...asMaria, 'X-Request-Id': 'req-123' },
      );
      const logs = await t.api<Page<AuditEntryDto>>('GET', `/api/apps/${appId}/flags/audited/logs`);
      expect(logs.body.items.map((e) => [e.action, e.actor])).toEqual([
        ['flag.updated', 'maria@example.com'],
        ['flag.created', 'maria@example.com'],
      ]);
      const upd = logs.body.items[0]!;
      expect(upd.changes.filter((c) => c.field !== 'version')).toEqual([
        { field: 'title', before: 'A', after: 'B' },
      ]);
      expect(upd.reason).toBe('typo in the title');
      expect(upd.requestId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('does not write or audit a change that changes nothing', async () => {
      await t.api('POST', `/api/apps/${appId}/flags`, { key: 'same', title: 'Same' });
      const before = await settledCounts();
      const res = await t.api<FlagDto>('PATCH', `/api/apps/${appId}/flags/same`, { title: 'Same' });
      expect(res.status).toBe(200);
      expect(await counts()).toEqual(before);
    });
  });

  describe('lists page as { items, nextCursor }', () => {
    /** Every item of a list, walked `limit` at a time; also returns the page sizes. */
    async function walk<T>(path: string, limit: number): Promise<{ items: T[]; sizes: number[] }> {
      const items: T[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const q: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const res = await t.api<Page<T>>('GET', `${path}${sep}limit=${limit}${q}`);
        expect(res.status).toBe(200);
        items.push(...res.body.items);
        sizes.push(res.body.items.length);
        cursor = res.body.nextCursor;
      } while (cursor !== null);
      return { items, sizes };
    }

    it("walks apps (oldest first), an app's flags (by key) and webhooks (oldest first)", async () => {
      const app = (await t.api<AppDto>('POST', '/api/apps', { title: 'Paged' })).body;
      for (const key of ['c-3', 'a-1', 'b-2', 'd-4', 'e-5'])
        await t.api('POST', `/api/apps/${app.id}/flags`, { key, title: key });
      const flags = await walk<FlagDto>(`/api/apps/${app.id}/flags`, 2);
      expect(flags.items.map((f) => f.key)).toEqual(['a-1', 'b-2', 'c-3', 'd-4', 'e-5']);
      expect(flags.sizes).toEqual([2, 2, 1]);

      const all = (await t.api<Page<AppDto>>('GET', `/api/apps?limit=200`)).body;
      expect(all.nextCursor).toBeNull();
      const apps = await walk<AppDto>('/api/apps', 2);
      expect(apps.items.map((a) => a.id)).toEqual(all.items.map((a) => a.id));
      expect(apps.items.map((a) => Number(a.id))).toEqual(
        apps.items.map((a) => Number(a.id)).sort((x, y) => x - y),
      );

      for (const name of ['hook-1', 'hook-2', 'hook-3'])
        await t.api('POST', '/api/webhooks', {
          name,
          url: `https://hooks.slack.com/services/T0/B0/${name}`,
        });
      const hooks = await walk<{ id: string; name: string }>('/api/webhooks', 2);
      expect(hooks.items.map((h) => h.name).filter((n) => n.startsWith('hook-'))).toEqual([
        'hook-1',
        'hook-2',
        'hook-3',
      ]);
    });

    it('refuses a cursor of another list and an out-of-range limit (400)', async () => {
      const app = (await t.api<AppDto>('POST', '/api/apps', { title: 'Cursors' })).body;
      await t.api('POST', `/api/apps/${app.id}/flags`, { key: 'x1', title: 'X' });
      await t.api('POST', `/api/apps/${app.id}/flags`, { key: 'x2', title: 'X' });
      const page = (await t.api<Page<FlagDto>>('GET', `/api/apps/${app.id}/flags?limit=1`)).body;
      expect(page.nextCursor).not.toBeNull();
      const foreign = await t.api<ErrorBody>('GET', `/api/apps?cursor=${page.nextCursor}`);
      expect(foreign.status).toBe(400);
      expect(foreign.body.error.message).toContain('cursor');
      expect((await t.api('GET', '/api/webhooks?limit=201')).status).toBe(400);
      expect((await t.api('GET', `/api/apps/${app.id}/flags?limit=0`)).status).toBe(400);
    });
  });

  describe('apps', () => {
    it('renames an app, audits it and counts its flags', async () => {
      const app = (await t.api<AppDto>('POST', '/api/apps', { title: 'Old name' })).body;
      expect(app.flagCount).toBe(0);
      await t.api('POST', `/api/apps/${app.id}/flags`, { key: 'k', title: 'K' });
      const renamed = await t.api<AppDto>('PATCH', `/api/apps/${app.id}`, { title: 'New name' });
      expect(renamed.body).toMatchObject({ id: app.id, title: 'New name', flagCount: 1 });
      expect(
        (await t.api<Page<AppDto>>('GET', '/api/apps?limit=200')).body.items.find(
          (a) => a.id === app.id,
        )?.title,
      ).toBe('New name');
      const logs = await t.api<Page<AuditEntryDto>>(
        'GET',
        `/api/apps/${app.id}/logs?action=app.updated`,
      );
      expect(logs.body.items[0]!.changes).toEqual([
        { field: 'title', before: 'Old name', after: 'New name' },
      ]);
    });

    it('keeps the audit log append-only in the database itself', async () => {
      await expect(db.query(`UPDATE audit_log SET actor = 'someone-else'`)).rejects.toThrow(
        /append-only/,
      );
      await expect(db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    });
  });

  describe('logs', () => {
    it('keeps a page of 200 entries under 1 MB however large the whitelists', async () => {
      const app = (await t.api<AppDto>('POST', '/api/apps', { title: 'Big lists' })).body;
      const users = (n: number, tag: string) =>
        Array.from({ length: n }, (_, i) => `${tag}-${i}-${'u'.repeat(240)}`);
      await t.createFlag(app.id, 'big', { whitelist: users(1500, 'a') });
      const patched = await t.api('PATCH', `/api/apps/${app.id}/flags/big`, {
        whitelist: users(1500, 'b'),
        reason: 'swap the beta cohort',
      });
      expect(patched.status).toBe(200);
      const flag = (await t.api<FlagDto>('GET', `/api/apps/${app.id}/flags/big`)).body;
      // 200 more rows as large as HTTP allows, appended the way services do.
      for (let i = 0; i < 198; i++) {
        await appendAudit(
          db,
          { actor: 'bulk', requestId: null },
          {
            action: AuditAction.flagUpdated,
            entityType: 'flag',
            entityId: flag.id,
            appId: Number(app.id),
            flagKey: 'big',
            before: { ...flag, whitelist: users(1500, `c${i}`) },
            after: { ...flag, whitelist: users(1500, `d${i}`), description: 'x'.repeat(2000) },
          },
        );
      }
      const res = await fetch(`${t.tower.url}/api/apps/${app.id}/logs?limit=200`, {
        headers: t.admin.headers,
      });
      const text = await res.text();
      const page = JSON.parse(text) as Page<AuditEntryDto>;
      expect(page.items).toHaveLength(200);
      expect(Buffer.byteLength(text)).toBeLessThan(1_000_000);
      const edit = page.items.find((e) => e.reason === 'swap the beta cohort');
      expect(edit?.changes.map((c) => c.field)).toEqual([
        'version',
        'whitelist.added',
        'whitelist.removed',
      ]);
    });

    it('pages newest first and filters by action, actor and time', async () => {
      const app = (await t.api<AppDto>('POST', '/api/apps', { title: 'Logs' })).body;
      const odd = { authorization: await t.admin.tokenFor('editor', 'odd') };
      const even = { authorization: await t.admin.tokenFor('editor', 'even') };
      for (let i = 0; i < 5; i++) {
        await t.api(
          'POST',
          `/api/apps/${app.id}/flags`,
          { key: `f${i}`, title: `F${i}` },
          i % 2 ? odd : even,
        );
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const q: string = cursor ? `&cursor=${cursor}` : '';
        const page: Page<AuditEntryDto> = (
          await t.api<Page<AuditEntryDto>>('GET', `/api/apps/${app.id}/logs?limit=2${q}`)
        ).body;
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((e) => e.action + ':' + (e.flagKey ?? '')));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([
        'flag.created:f4',
        'flag.created:f3',
        'flag.created:f2',
        'flag.created:f1',
        'flag.created:f0',
        'app.created:',
      ]);
      const byOdd = await t.api<Page<AuditEntryDto>>(
        'GET',
        `/api/apps/${app.id}/logs?actor=token:odd`,
      );
      expect(byOdd.body.items.map((e) => e.flagKey)).toEqual(['f3', 'f1']);
      const created = await t.api<Page<AuditEntryDto>>(
        'GET',
        `/api/logs?appId=${app.id}&action=app.created`,
      );
      expect(created.body.items).toHaveLength(1);
      const wildcard = await t.api<Page<AuditEntryDto>>(
        'GET',
        `/api/logs?appId=${app.id}&action=flag.*&flagKey=f2`,
      );
      expect(wildcard.body.items).toHaveLength(1);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      expect(
        (await t.api<Page<AuditEntryDto>>('GET', `/api/apps/${app.id}/logs?from=${future}`)).body
          .items,
      ).toEqual([]);
      expect(
        (await t.api<Page<AuditEntryDto>>('GET', `/api/apps/${app.id}/logs?to=${future}`)).body
          .items,
      ).toHaveLength(6);
    });
  });

  describe('SDK keys', () => {
    it('shows the key once, stores only hashes, lists by app and revokes', async () => {
      const app = (await t.api<AppDto>('POST', '/api/apps', { title: 'Keys' })).body;
      const other = (await t.api<AppDto>('POST', '/api/apps', { title: 'Other keys' })).body;
      const created = await t.api<CreatedSdkKeyDto>('POST', '/api/sdk-keys', {
        name: 'backend',
        appId: app.id,
      });
      expect(created.status).toBe(201);
      const parsed = parseSdkKey(created.body.key);
      if (!parsed.ok) throw new Error(parsed.error.message);
      expect(parsed.value).toMatchObject({ appId: app.id, keyId: created.body.id });
      expect(parsed.value.secret).toMatch(/^SU/);
      expect(created.body.key.startsWith(`${created.body.prefix}.`)).toBe(true);
      const { rows } = await db.query<Record<string, string>>(
        'SELECT * FROM sdk_keys WHERE id = $1',
        [created.body.id],
      );
      expect(JSON.stringify(rows[0])).not.toContain(parsed.value.secret);
      expect(rows[0]!.secret_sha256).toMatch(/^[0-9a-f]{64}$/);
      await t.api('POST', '/api/sdk-keys', { name: 'elsewhere', appId: other.id });
      const list = await t.api<Page<SdkKeyDto>>('GET', `/api/sdk-keys?appId=${app.id}`);
      expect(JSON.stringify(list.body)).not.toContain(parsed.value.secret);
      expect(list.body.items.map((k) => [k.name, k.appId, k.revokedAt])).toEqual([
        ['backend', app.id, null],
      ]);
      expect((await t.api('DELETE', `/api/sdk-keys/${created.body.id}`)).status).toBe(204);
      const after = await t.api<Page<SdkKeyDto>>('GET', '/api/sdk-keys');
      expect(after.body.items.find((k) => k.id === created.body.id)?.revokedAt).not.toBeNull();
      const logs = await t.api<Page<AuditEntryDto>>(
        'GET',
        '/api/logs?action=sdk_key.created,sdk_key.revoked',
      );
      expect(logs.body.items.map((e) => e.action)).toEqual([
        'sdk_key.revoked',
        'sdk_key.created',
        'sdk_key.created',
      ]);
    });

    it('refuses a key for a missing app (404) or without an app (400)', async () => {
      expect((await t.api('POST', '/api/sdk-keys', { name: 'x', appId: '999999' })).status).toBe(
        404,
      );
      expect((await t.api('POST', '/api/sdk-keys', { name: 'x' })).status).toBe(400);
    });

    it("revokes an app's keys when the app is deleted", async () => {
      const app = (await t.api<AppDto>('POST', '/api/apps', { title: 'Doomed' })).body;
      const key = (
        await t.api<CreatedSdkKeyDto>('POST', '/api/sdk-keys', { name: 'k', appId: app.id })
      ).body;
      expect((await t.api('DELETE', `/api/apps/${app.id}`)).status).toBe(204);
      const list = await t.api<Page<SdkKeyDto>>('GET', '/api/sdk-keys');
      const row = list.body.items.find((k) => k.id === key.id);
      expect(row?.revokedAt).not.toBeNull();
      expect(row?.appId).toBeNull();
      expect(row?.note).toMatch(/deleted/);
    });
  });

  describe('webhooks', () => {
    it('accepts Slack URLs, rejects others, masks the URL and keeps it out of the KV', async () => {
      const bad = await t.api<ErrorBody>('POST', '/api/webhooks', {
        name: 'x',
        url: 'https://example.com/hook',
      });
      expect(bad.status).toBe(400);
      const plain = await t.api<ErrorBody>('POST', '/api/webhooks', {
        name: 'x',
        url: 'http://hooks.slack.com/services/T/B/c',
      });
      expect(plain.status).toBe(400);
      const ok = await t.api<{ id: string; urlMasked: string }>('POST', '/api/webhooks', {
        name: 'ops',
        url: 'https://hooks.slack.com/services/T000/B000/verysecretXYZW',
      });
      expect(ok.status).toBe(201);
      expect(ok.body.urlMasked).toBe('https://hooks.slack.com/****XYZW');
      const flag = await t.api<FlagDto>('POST', `/api/apps/${appId}/flags`, {
        key: 'alerted',
        title: 'A',
        alertWebhookIds: [ok.body.id],
      });
      expect(flag.body.alertWebhookIds).toEqual([ok.body.id]);
      const rule = await eventually(() => t.kvRule(appId, 'alerted'));
      expect(JSON.stringify(rule)).not.toContain('verysecret');
      expect(JSON.stringify((await t.api('GET', '/api/webhooks')).body)).not.toContain(
        'verysecret',
      );
      expect((await t.api('DELETE', `/api/webhooks/${ok.body.id}`)).status).toBe(204);
      expect(
        (await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/alerted`)).body.alertWebhookIds,
      ).toEqual([]);
      expect((await t.api('GET', `/api/webhooks/${ok.body.id}/deliveries`)).status).toBe(404);
    });
  });

  describe('time series', () => {
    it("reads a flag's counts from the Redis signal buckets", async () => {
      const redis = createClient({ url: services.redisUrl });
      await redis.connect();
      const t0 = bucketStart(Date.now() - 5_000, 1_000);
      const m0 = bucketStart(Date.now() - 5_000, 60_000);
      const keys = [
        signalBucketKey(t.options.redisPrefix, appId, 1_000, t0),
        signalBucketKey(t.options.redisPrefix, appId, 60_000, m0),
      ];
      try {
        for (const k of keys) {
          await redis.hSet(k, {
            [signalField('existing', 'success')]: '30',
            [signalField('existing', 'failure')]: '10',
            [signalField('existing', 'success', 'off')]: '6',
            [signalField('existing', 'failure', 'off')]: '2',
            [signalField('other', 'failure')]: '99',
          });
        }
        // A later second of the same minute: a short burst, which the minute's peak keeps.
        const burst = signalBucketKey(t.options.redisPrefix, appId, 1_000, t0 + 1_000);
        keys.push(burst);
        await redis.hSet(burst, {
          [signalField('existing', 'success')]: '2',
          [signalField('existing', 'failure')]: '8',
        });
        const res = await t.api<{
          window: string;
          resolutionMs: number;
          thresholdPercentage: number;
          points: {
            t: number;
            requests: number;
            failures: number;
            errorRatePercentage: number | null;
          }[];
        }>('GET', `/api/apps/${appId}/flags/existing/timeseries?window=30s`);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          window: '30s',
          resolutionMs: 1_000,
          thresholdPercentage: 50,
        });
        expect(res.body.points).toHaveLength(30);
        expect(res.body.points.find((p) => p.t === t0)).toEqual({
          t: t0,
          requests: 40,
          failures: 10,
          errorRatePercentage: 25,
          peakErrorRatePercentage: 25,
          off: { requests: 8, failures: 2, errorRatePercentage: 25 },
        });
        expect(res.body.points.filter((p) => p.requests > 0)).toHaveLength(2);
        expect(res.body.points[0]!.errorRatePercentage).toBeNull();
        const day = await t.api<{
          resolutionMs: number;
          points: {
            t: number;
            requests: number;
            errorRatePercentage: number | null;
            peakErrorRatePercentage: number | null;
          }[];
        }>('GET', `/api/apps/${appId}/flags/existing/timeseries?window=24h`);
        expect(day.body.resolutionMs).toBe(60_000);
        expect(day.body.points).toHaveLength(1440);
        const minute = day.body.points.find((p) => p.t === m0);
        expect(minute).toMatchObject({ requests: 40, errorRatePercentage: 25 });
        // The minute's peak is its worst second (8 of 10 failed, if both seconds fall in it).
        const sameMinute = bucketStart(t0 + 1_000, 60_000) === m0;
        expect(minute?.peakErrorRatePercentage).toBe(sameMinute ? 80 : 25);
      } finally {
        await redis.del(keys);
        await redis.close();
      }
    });
  });

  describe('live updates', () => {
    it('pushes flag changes and audit entries over socket.io', async () => {
      const socket = await connectDashboard(t.tower.url, t.admin.headers);
      try {
        const changed = new Promise<FlagEventDto>((resolve) =>
          socket.on(SocketEvent.flagChanged, ({ flag }) => flag.key === 'live' && resolve(flag)),
        );
        const audited = new Promise<AuditEntryDto>((resolve) =>
          socket.on(
            SocketEvent.auditAppended,
            ({ entry }) => entry.flagKey === 'live' && resolve(entry),
          ),
        );
        const created = await t.api<FlagDto>('POST', `/api/apps/${appId}/flags`, {
          key: 'live',
          title: 'Live',
        });
        expect((await changed).version).toBe(created.body.version);
        expect((await audited).action).toBe('flag.created');
      } finally {
        socket.close();
      }
    });
  });

  describe('operations', () => {
    it('serves /healthz, /readyz, /metrics and request ids', async () => {
      expect((await t.api('GET', '/healthz')).status).toBe(200);
      const ready = await t.api<{ status: string; checks: Record<string, { ok: boolean }> }>(
        'GET',
        '/readyz',
      );
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toMatchObject({ postgres: { ok: true }, nats: { ok: true } });
      const res = await fetch(`${t.tower.url}/metrics`);
      const text = await res.text();
      expect(text).toContain('tower_http_requests_total');
      expect(text).toContain('tower_outbox_published_total');
      expect(text).toMatch(/^tower_circuits\{state="closed"\} \d+$/m);
      expect(text).toMatch(/^tower_circuits\{state="open"\} \d+$/m);
      expect(text).toMatch(/^tower_circuit_consumer_pending\{kind="undelivered"\} \d+$/m);
      expect(text).toMatch(/^tower_circuit_consumer_pending\{kind="unacknowledged"\} \d+$/m);
      const withId = await t.api('GET', '/api/apps', undefined, { 'X-Request-Id': 'abc-123' });
      // Tower answers with its own id, never the client's.
      expect(withId.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(withId.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });
});
