import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { AppDto, CreatedSdkKeyDto, FlagDto, WebhookDto } from '@tailslide/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTower, type TestTower } from '../test/tower-fixture.js';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

// ajv-formats is CommonJS: under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

describe('/api/openapi.json describes what Tower really answers', () => {
  let t: TestTower;
  let doc: Document;
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  const called = new Set<string>();

  function operationOf(method: string, path: string): { key: string; op: Operation } {
    const bare = path.split('?')[0]!;
    const candidates = Object.keys(doc.paths).filter((tpl) =>
      new RegExp(`^${tpl.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(bare),
    );
    // The most literal template wins (`/flags/{flagKey}/toggle` over a looser match).
    candidates.sort((a, b) => a.split('{').length - b.split('{').length);
    const tpl = candidates[0];
    const op = tpl ? doc.paths[tpl]?.[method.toLowerCase()] : undefined;
    if (!tpl || !op) throw new Error(`${method} ${bare} is not in the document`);
    return { key: `${method.toLowerCase()} ${tpl}`, op };
  }

  /** Calls Tower and checks the answer against the document: status listed, body matching. */
  async function call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(`${t.tower.url}${path}`, {
      method,
      headers: {
        ...t.admin.headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const { key, op } = operationOf(method, path);
    called.add(key);
    const documented = op.responses[String(res.status)];
    expect(documented, `${key} answered ${res.status}, which it does not document`).toBeDefined();
    const contentType = res.headers.get('content-type') ?? '';
    const content = documented!.content ?? {};
    if (res.status === 204) {
      expect(text).toBe('');
      return { status: res.status, body: undefined as T, headers: res.headers };
    }
    const json = content['application/json'];
    if (!json) {
      expect(
        Object.keys(content).some((c) => contentType.startsWith(c)),
        key,
      ).toBe(true);
      return { status: res.status, body: text as T, headers: res.headers };
    }
    expect(contentType).toMatch(/^application\/json/);
    const parsed = JSON.parse(text) as T;
    const validate = ajv.compile({ ...json.schema, components: doc.components });
    if (!validate(parsed))
      throw new Error(`${key} ${res.status}: ${ajv.errorsText(validate.errors)}\n${text}`);
    return { status: res.status, body: parsed, headers: res.headers };
  }

  beforeAll(async () => {
    t = await startTestTower();
    doc = (await t.api<Document>('GET', '/api/openapi.json')).body;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('validates a real answer of every operation against its documented schema', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect((await call('GET', '/readyz')).status).toBe(200);
    expect((await call('GET', '/metrics')).status).toBe(200);
    expect((await call('GET', '/api/openapi.json')).status).toBe(200);

    const app = (await call<AppDto>('POST', '/api/apps', { title: 'Contract' })).body;
    await call('GET', '/api/apps');
    await call('GET', `/api/apps/${app.id}`);
    await call('PATCH', `/api/apps/${app.id}`, { title: 'Contract 2' });

    const hook = await call<WebhookDto>('POST', '/api/webhooks', {
      name: 'ops',
      url: 'https://hooks.slack.com/services/T000/B000/secretXYZW',
    });
    expect(hook.status).toBe(201);
    await call('GET', '/api/webhooks');
    await call('GET', `/api/webhooks/${hook.body.id}/deliveries`);

    const flagPath = `/api/apps/${app.id}/flags/checkout`;
    const created = await call<FlagDto>('POST', `/api/apps/${app.id}/flags`, {
      key: 'checkout',
      title: 'Checkout',
      whitelist: ['alice'],
      alertWebhookIds: [hook.body.id],
      circuit: { slowCallMs: 2_000 },
    });
    expect(created.status).toBe(201);
    await call('GET', `/api/apps/${app.id}/flags`);
    await call('GET', flagPath);
    await call('PATCH', flagPath, { rolloutPercentage: 25.5 });
    await call('POST', `${flagPath}/toggle`, { active: true, reason: 'launch' });
    expect((await call('GET', `${flagPath}/logs?limit=2`)).status).toBe(200);
    await call('GET', `/api/apps/${app.id}/logs?flagKey=checkout`);
    await call('GET', `/api/logs?appId=${app.id}&action=flag.*`);
    await call('GET', `${flagPath}/circuit/history`);
    expect((await call('GET', `${flagPath}/timeseries?window=30s`)).status).toBe(200);

    const key = await call<CreatedSdkKeyDto>('POST', '/api/sdk-keys', {
      name: 'web',
      appId: app.id,
    });
    await call('GET', '/api/sdk-keys');
    await call('GET', `/api/sdk-keys?appId=${app.id}&limit=1`);
    expect((await call('DELETE', `/api/sdk-keys/${key.body.id}`)).status).toBe(204);

    const user = await call<{ id: string }>('POST', '/api/users', {
      email: 'contract@example.com',
      password: 'contract-password',
      role: 'editor',
    });
    await call('GET', '/api/users?limit=10');
    await call('PATCH', `/api/users/${user.body.id}`, { role: 'viewer' });
    const login = await call('POST', '/api/session', {
      email: 'contract@example.com',
      password: 'contract-password',
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const asUser = { authorization: '', cookie };
    expect((await call('GET', '/api/session', undefined, asUser)).status).toBe(200);
    const password = { currentPassword: 'contract-password', newPassword: 'contract-password-2' };
    expect((await call('PUT', '/api/session/password', password, asUser)).status).toBe(204);
    expect((await call('DELETE', '/api/session', undefined, asUser)).status).toBe(204);
    expect((await call('DELETE', `/api/users/${user.body.id}`)).status).toBe(204);
    const token = await call<{ token: { id: string } }>('POST', '/api/tokens', {
      name: 'contract',
      role: 'viewer',
    });
    await call('GET', '/api/tokens');
    expect((await call('DELETE', `/api/tokens/${token.body.token.id}`)).status).toBe(204);

    // Failures are documented too, with the error body.
    expect((await call('GET', '/api/apps/999999')).status).toBe(404);
    expect((await call('POST', '/api/apps', {})).status).toBe(400);
    expect((await call('GET', '/api/logs?limit=0')).status).toBe(400);
    const dup = { key: 'checkout', title: 'Again' };
    expect((await call('POST', `/api/apps/${app.id}/flags`, dup)).status).toBe(409);
    expect((await call('PATCH', flagPath, { title: 'Stale', version: 0 })).status).toBe(409);

    expect((await call('DELETE', flagPath)).status).toBe(204);
    expect((await call('DELETE', `/api/webhooks/${hook.body.id}`)).status).toBe(204);
    expect((await call('DELETE', `/api/apps/${app.id}`)).status).toBe(204);

    const all = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m} ${p}`),
    );
    expect([...called].sort()).toEqual(all.sort());
  });

  it('names every response shape in components, generated from the zod schemas', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['App', 'Flag', 'CircuitSettings', 'AuditPage', 'Error', 'SdkKey']),
    );
    const ops = Object.values(doc.paths).flatMap((o) => Object.values(o));
    for (const op of ops) expect(op).toHaveProperty('x-tailslide-role');
  });
});
