import { roleAllows, ROLES, type AppDto, type Role } from '@tailslide/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTower, type TestTower } from '../../test/tower-fixture.js';

interface Operation {
  readonly 'x-tailslide-role'?: Role | 'public';
}
interface OpenApi {
  readonly paths: Record<string, Record<string, Operation>>;
}

/** A concrete request for one operation: the path with real ids, and a valid body. */
interface Sample {
  readonly path: string;
  readonly body?: unknown;
}

describe('roles on every operation of the OpenAPI document', () => {
  let t: TestTower;
  let doc: OpenApi;
  const auth: Record<Role, string> = { viewer: '', editor: '', admin: '' };
  let n = 0;
  const unique = (p: string) => `${p}-${++n}`;

  const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await t.api<T>(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status}`);
    return res.body;
  };
  const newApp = async () =>
    (await admin<AppDto>('POST', '/api/apps', { title: unique('app') })).id;
  const newFlag = async () => {
    const appId = await newApp();
    await t.createFlag(appId, 'f');
    return { appId, key: 'f' };
  };

  /** Valid requests, built fresh for each call (a delete consumes what it deletes). */
  const samples: Record<string, () => Promise<Sample>> = {
    'get /api/openapi.json': () => Promise.resolve({ path: '/api/openapi.json' }),
    'get /api/session': () => Promise.resolve({ path: '/api/session' }),
    'post /api/session': () => Promise.resolve({ path: '/api/session' }),
    'delete /api/session': () => Promise.resolve({ path: '/api/session' }),
    'put /api/session/password': () => Promise.resolve({ path: '/api/session/password' }),
    'get /api/apps': () => Promise.resolve({ path: '/api/apps' }),
    'post /api/apps': () => Promise.resolve({ path: '/api/apps', body: { title: 'x' } }),
    'get /api/apps/{appId}': async () => ({ path: `/api/apps/${await newApp()}` }),
    'patch /api/apps/{appId}': async () => ({
      path: `/api/apps/${await newApp()}`,
      body: { title: 'renamed' },
    }),
    'delete /api/apps/{appId}': async () => ({ path: `/api/apps/${await newApp()}` }),
    'get /api/apps/{appId}/flags': async () => ({ path: `/api/apps/${await newApp()}/flags` }),
    'post /api/apps/{appId}/flags': async () => ({
      path: `/api/apps/${await newApp()}/flags`,
      body: { key: 'k', title: 'K' },
    }),
    'get /api/apps/{appId}/flags/{flagKey}': async () => {
      const f = await newFlag();
      return { path: `/api/apps/${f.appId}/flags/${f.key}` };
    },
    'patch /api/apps/{appId}/flags/{flagKey}': async () => {
      const f = await newFlag();
      return { path: `/api/apps/${f.appId}/flags/${f.key}`, body: { title: 'T2' } };
    },
    'delete /api/apps/{appId}/flags/{flagKey}': async () => {
      const f = await newFlag();
      return { path: `/api/apps/${f.appId}/flags/${f.key}` };
    },
    'post /api/apps/{appId}/flags/{flagKey}/toggle': async () => {
      const f = await newFlag();
      return { path: `/api/apps/${f.appId}/flags/${f.key}/toggle`, body: { active: false } };
    },
    'get /api/apps/{appId}/flags/{flagKey}/logs': async () => {
      const f = await newFlag();
      return { path: `/api/apps/${f.appId}/flags/${f.key}/logs` };
    },
    'get /api/apps/{appId}/flags/{flagKey}/circuit/history': async () => {
      const f = await newFlag();
      return { path: `/api/apps/${f.appId}/flags/${f.key}/circuit/history` };
    },
    'get /api/apps/{appId}/flags/{flagKey}/timeseries': async () => {
      const f = await newFlag();
      return { path: `/api/apps/${f.appId}/flags/${f.key}/timeseries` };
    },
    'get /api/apps/{appId}/logs': async () => ({ path: `/api/apps/${await newApp()}/logs` }),
    'get /api/logs': () => Promise.resolve({ path: '/api/logs' }),
    'get /api/sdk-keys': () => Promise.resolve({ path: '/api/sdk-keys' }),
    'post /api/sdk-keys': async () => ({
      path: '/api/sdk-keys',
      body: { name: 'k', appId: await newApp() },
    }),
    'delete /api/sdk-keys/{id}': async () => {
      const key = await admin<{ id: string }>('POST', '/api/sdk-keys', {
        name: unique('k'),
        appId: await newApp(),
      });
      return { path: `/api/sdk-keys/${key.id}` };
    },
    'get /api/webhooks': () => Promise.resolve({ path: '/api/webhooks' }),
    'post /api/webhooks': () =>
      Promise.resolve({
        path: '/api/webhooks',
        body: { name: 'w', url: 'https://hooks.slack.com/services/T0/B0/secret' },
      }),
    'delete /api/webhooks/{id}': async () => {
      const hook = await admin<{ id: string }>('POST', '/api/webhooks', {
        name: unique('w'),
        url: 'https://hooks.slack.com/services/T0/B0/secret',
      });
      return { path: `/api/webhooks/${hook.id}` };
    },
    'get /api/webhooks/{id}/deliveries': async () => {
      const hook = await admin<{ id: string }>('POST', '/api/webhooks', {
        name: unique('w'),
        url: 'https://hooks.slack.com/services/T0/B0/secret',
      });
      return { path: `/api/webhooks/${hook.id}/deliveries` };
    },
    'get /api/users': () => Promise.resolve({ path: '/api/users' }),
    'post /api/users': () =>
      Promise.resolve({
        path: '/api/users',
        body: {
          email: `${unique('u')}@example.com`,
          password: 'long-enough-password',
          role: 'viewer',
        },
      }),
    'patch /api/users/{userId}': async () => {
      const u = await admin<{ id: string }>('POST', '/api/users', {
        email: `${unique('u')}@example.com`,
        password: 'long-enough-password',
        role: 'viewer',
      });
      return { path: `/api/users/${u.id}`, body: { role: 'editor' } };
    },
    'delete /api/users/{userId}': async () => {
      const u = await admin<{ id: string }>('POST', '/api/users', {
        email: `${unique('u')}@example.com`,
        password: 'long-enough-password',
        role: 'viewer',
      });
      return { path: `/api/users/${u.id}` };
    },
    'get /api/tokens': () => Promise.resolve({ path: '/api/tokens' }),
    'post /api/tokens': () =>
      Promise.resolve({ path: '/api/tokens', body: { name: unique('tok'), role: 'viewer' } }),
    'delete /api/tokens/{tokenId}': async () => {
      const tok = await admin<{ token: { id: string } }>('POST', '/api/tokens', {
        name: unique('tok'),
        role: 'viewer',
      });
      return { path: `/api/tokens/${tok.token.id}` };
    },
  };

  beforeAll(async () => {
    t = await startTestTower();
    auth.admin = t.admin.headers.authorization;
    auth.viewer = await t.admin.tokenFor('viewer');
    auth.editor = await t.admin.tokenFor('editor');
    doc = (await t.api<OpenApi>('GET', '/api/openapi.json')).body;
  });
  afterAll(async () => {
    await t?.close();
  });

  const operations = () =>
    Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ key: `${method} ${path}`, method, op })),
      );

  it('has a sample request for every documented /api operation', () => {
    const missing = operations()
      .map((o) => o.key)
      .filter((k) => !(k in samples));
    expect(missing).toEqual([]);
    expect(operations().length).toBeGreaterThan(30);
  });

  it('answers 401 to anonymous callers on every operation but logging in and out', async () => {
    for (const { key, method, op } of operations()) {
      const s = await samples[key]!();
      const res = await t.api(method.toUpperCase(), s.path, s.body, { authorization: '' });
      if (op['x-tailslide-role'] === 'public') {
        expect(res.status, key).not.toBe(403);
        continue;
      }
      expect(res.status, key).toBe(401);
      expect((res.body as { error: { code: string } }).error.code, key).toBe('unauthenticated');
    }
  });

  it('answers 403 when the role is too low, and 2xx to each role on what it may do', async () => {
    const checked: string[] = [];
    for (const { key, method, op } of operations()) {
      const required = op['x-tailslide-role'];
      // Session routes are about the caller's own session (tokens have none): tested below.
      if (!required || required === 'public' || key.includes('/api/session')) continue;
      for (const role of ROLES) {
        const s = await samples[key]!();
        const res = await t.api(method.toUpperCase(), s.path, s.body, {
          authorization: auth[role],
        });
        if (roleAllows(role, required)) {
          expect(res.status, `${role} ${key}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
          expect(res.status, `${role} ${key}`).toBeGreaterThanOrEqual(200);
        } else {
          expect(res.status, `${role} ${key}`).toBe(403);
          expect((res.body as { error: { code: string } }).error.code).toBe('forbidden');
        }
        checked.push(`${role} ${key}`);
      }
      if (method !== 'get') expect(roleAllows('viewer', required), key).toBe(false);
    }
    expect(checked.length).toBeGreaterThanOrEqual(90);
  });
});
