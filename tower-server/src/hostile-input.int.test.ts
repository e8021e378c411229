import type { AppDto, CreatedSdkKeyDto, WebhookDto } from '@tailslide/contracts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tailslide/test-support';
import { startTestTower, type TestTower } from '../test/tower-fixture.js';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
}
interface Operation {
  tags: string[];
  parameters: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}
interface Answer {
  status: number;
  body: { error?: { code: string; message: string } } | undefined;
}

const TABLES = ['apps', 'flags', 'audit_log', 'outbox', 'sdk_keys', 'webhooks', 'alert_deliveries'];
const NUL = 'a\u0000b';

describe('hostile input: every write route and query parameter of the OpenAPI document', () => {
  let t: TestTower;
  let db: pg.Client;
  let doc: Document;
  const ids: Record<string, string> = {};

  /** Row counts of every table a request could write, once the relay has drained the outbox. */
  async function counts(): Promise<Record<string, number>> {
    return eventually(async () => {
      const { rows } = await db.query<Record<string, number>>(
        `SELECT ${TABLES.map((n) => `(SELECT count(*)::int FROM ${n}) AS ${n}`).join(', ')}`,
      );
      return rows[0]!.outbox === 0 ? rows[0]! : null;
    });
  }

  /** The concrete URL of a documented path: real ids, so only the hostile part can be wrong. */
  function concrete(path: string, op: Operation): string {
    const idFor = op.tags[0] === 'sdk-keys' ? ids.sdkKey! : ids.webhook!;
    return path
      .replace('{appId}', ids.app!)
      .replace('{flagKey}', 'target')
      .replace('{id}', idFor)
      .replace('{userId}', ids.user!)
      .replace('{tokenId}', ids.token!);
  }

  async function send(
    method: string,
    url: string,
    body?: string | Uint8Array,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const res = await fetch(`${t.tower.url}${url}`, {
      method: method.toUpperCase(),
      // As the admin: the checks under test come after authorization.
      headers: { ...t.admin.headers, ...headers },
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    let parsed: Answer['body'];
    try {
      parsed = text ? (JSON.parse(text) as Answer['body']) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed };
  }

  const json = { 'content-type': 'application/json' };

  function operations(filter: (method: string, op: Operation) => boolean) {
    return Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([m, op]) => filter(m, op))
        .map(([method, op]) => ({ method, path, op, url: concrete(path, op) })),
    );
  }

  /** A body with `value` in one string field (or string-array field) of the route's schema. */
  function bodiesWith(op: Operation, value: string): { field: string; body: unknown }[] {
    const schema = op.requestBody?.content['application/json']?.schema;
    return Object.entries(schema?.properties ?? {}).flatMap(
      ([field, s]): { field: string; body: unknown }[] => {
        if (s.type === 'string') return [{ field, body: { [field]: value } }];
        if (s.type === 'array' && s.items?.type === 'string')
          return [{ field, body: { [field]: [value] } }];
        return [];
      },
    );
  }

  /** Asserts a 4xx with the error body, and that nothing was written. */
  async function expectRefused(
    label: string,
    attempt: () => Promise<Answer>,
    status?: number | RegExp,
  ): Promise<Answer> {
    const before = await counts();
    const res = await attempt();
    expect.soft(res.status, label).toBeGreaterThanOrEqual(400);
    expect.soft(res.status, label).toBeLessThan(500);
    if (typeof status === 'number') expect.soft(res.status, label).toBe(status);
    expect.soft(res.body?.error?.code, label).toEqual(expect.any(String));
    if (status instanceof RegExp) expect.soft(res.body?.error?.message, label).toMatch(status);
    expect.soft(await counts(), label).toEqual(before);
    return res;
  }

  beforeAll(async () => {
    t = await startTestTower();
    db = new pg.Client({ connectionString: t.db.url });
    await db.connect();
    ids.app = (await t.api<AppDto>('POST', '/api/apps', { title: 'Hostile' })).body.id;
    await t.createFlag(ids.app, 'target');
    ids.webhook = (
      await t.api<WebhookDto>('POST', '/api/webhooks', {
        name: 'ops',
        url: 'https://hooks.slack.com/services/T/B/hostile',
      })
    ).body.id;
    ids.sdkKey = (
      await t.api<CreatedSdkKeyDto>('POST', '/api/sdk-keys', { name: 'k', appId: ids.app })
    ).body.id;
    ids.user = (
      await t.api<{ id: string }>('POST', '/api/users', {
        email: 'hostile@example.com',
        password: 'hostile-password',
        role: 'viewer',
      })
    ).body.id;
    ids.token = (
      await t.api<{ token: { id: string } }>('POST', '/api/tokens', {
        name: 'hostile',
        role: 'viewer',
      })
    ).body.token.id;
    doc = (await t.api<Document>('GET', '/api/openapi.json')).body;
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('finds write routes with bodies and query parameters to attack', () => {
    expect(operations((_m, op) => op.requestBody !== undefined).length).toBeGreaterThanOrEqual(7);
    const queries = operations((_m, op) => op.parameters.some((p) => p.in === 'query'));
    expect(queries.length).toBeGreaterThanOrEqual(5);
  });

  it('refuses a NUL character in any string field of any write body (400, nothing written)', async () => {
    const writes = operations((_m, op) => op.requestBody !== undefined);
    let tried = 0;
    for (const { method, path, op, url } of writes) {
      for (const { field, body } of bodiesWith(op, NUL)) {
        tried++;
        await expectRefused(
          `${method} ${path} ${field}`,
          () => send(method, url, JSON.stringify(body), json),
          /NUL/,
        );
      }
    }
    expect(tried).toBeGreaterThan(10);
  });

  it('refuses bodies that are not JSON, malformed, oversized or oddly encoded, on every write route', async () => {
    const writes = operations((_m, op) => op.requestBody !== undefined);
    const attacks: [string, string | Uint8Array, Record<string, string>, number][] = [
      ['text/plain body', '{"title":"x"}', { 'content-type': 'text/plain' }, 415],
      ['form body', 'title=x', { 'content-type': 'application/x-www-form-urlencoded' }, 415],
      ['malformed JSON', '{"title":', json, 400],
      ['JSON that is not an object', '"just a string"', json, 400],
      ['oversized body', JSON.stringify({ title: 'x'.repeat(1_100_000) }), json, 413],
      ['unknown Content-Encoding', '{}', { ...json, 'content-encoding': 'x-unknown' }, 415],
      ['gzip that is not gzip', 'not gzip at all', { ...json, 'content-encoding': 'gzip' }, 400],
      ['unsupported charset', '{}', { 'content-type': 'application/json; charset=latin1' }, 415],
    ];
    for (const { method, path, url } of writes)
      for (const [name, body, headers, status] of attacks)
        await expectRefused(
          `${method} ${path}: ${name}`,
          () => send(method, url, body, headers),
          status,
        );
  });

  it('refuses malformed %-encoding and NUL in the path ids of every route', async () => {
    const all = operations(() => true).filter(({ path }) => path.includes('{'));
    for (const { method, path, op } of all) {
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[0])) {
        for (const bad of ['%E0%A4%A', '%', '1%00', '%C0%AF']) {
          const url = concrete(path.replace(name, bad), op);
          const body = op.requestBody ? JSON.stringify({}) : undefined;
          await expectRefused(`${method} ${path} with ${name} = ${bad}`, () =>
            send(method, url, body, body ? json : {}),
          );
        }
      }
    }
  });

  it('refuses NUL, bad dates, repeated and huge values in every query parameter', async () => {
    const reads = operations((_m, op) => op.parameters.some((p) => p.in === 'query'));
    let tried = 0;
    for (const { method, path, op, url } of reads) {
      for (const p of op.parameters.filter((q) => q.in === 'query')) {
        const values = [NUL, 'x'.repeat(5_000)];
        if (p.name === 'from' || p.name === 'to')
          values.push(
            '+275760-09-13T00:00:00.000Z',
            '-271821-04-20T00:00:00Z',
            '2026-02-30',
            '2026-13-01T00:00:00Z',
            '0000-01-01',
            '99999-01-01',
            '1',
          );
        for (const v of values) {
          tried++;
          const q = `${p.name}=${encodeURIComponent(v)}`;
          await expectRefused(`${method} ${path}?${p.name}=${v.slice(0, 30)}`, () =>
            send(method, `${url}?${q}`),
          );
        }
        tried++;
        await expectRefused(`${method} ${path}?${p.name} twice`, () =>
          send(method, `${url}?${p.name}=1&${p.name}=2`),
        );
      }
    }
    expect(tried).toBeGreaterThan(20);
  });

  it('still accepts the ISO 8601 times the dashboard sends', async () => {
    for (const v of ['2026-01-01', '2026-01-01T10:00:00Z', '2026-01-01T10:00:00.123+02:00']) {
      const res = await send('get', `/api/logs?from=${encodeURIComponent(v)}`);
      expect(res.status, v).toBe(200);
    }
  });
});
