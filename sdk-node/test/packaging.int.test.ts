/**
 * Packs @tailslide/contracts and @tailslide/sdk-node, installs both tarballs in a temp folder (npm
 * installs the NATS/Redis peers), and runs the README quick start from ESM and from CommonJS
 * against the local NATS and Redis. Each script must also exit on its own after close().
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { encodeFlagRule, flagKvKey } from '@tailslide/contracts';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services, uniqueName } from '../../test-support/index.js';
import { testFlagRule } from '../src/testing.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');

function quickStart(kind: 'esm' | 'cjs'): string {
  const m = new RegExp(`<!-- quickstart:${kind} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m?.[1]) throw new Error(`README has no ${kind} quick start`);
  return m[1];
}

// Point the quick start at a private bucket / app / prefix and print what it saw, then close.
function adapt(
  code: string,
  appId: string,
  bucket: string,
  prefix: string,
  kind: 'esm' | 'cjs',
): string {
  const opts = `appId: '${appId}', flagsBucket: '${bucket}', redisPrefix: '${prefix}', initTimeoutMs: 10000`;
  // The snippet closes the manager itself; report what it saw just before that.
  let out = code.replace("appId: 'shop'", opts).replace(/^\s*await manager\.close\(\);.*$/m, '');
  const report =
    "console.log(JSON.stringify({ status: manager.status, active: checkout.isFlagActive('user-42') }));" +
    ' await manager.flush(); await manager.close();';
  out =
    kind === 'esm'
      ? `${out}\n${report}\n`
      : out.replace(/\n}\nmain\(\);/, `\n  ${report}\n}\nmain();`);
  if (out === code || !out.includes('manager.close()'))
    throw new Error('quick start did not adapt');
  return out;
}

let dir: string;
let nc: NatsConnection;
let kv: KV;
const bucket = uniqueName('sdk_pack');
const appId = uniqueName('app');
const prefix = uniqueName('tsdkpack');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailslide-pack-'));
  nc = await connect({ servers: services.natsUrl });
  kv = await new Kvm(nc).create(bucket, { history: 1 });
  await kv.put(
    flagKvKey(appId, 'new-checkout'),
    encodeFlagRule(testFlagRule({ appId, flagKey: 'new-checkout' })),
  );
  await run('npx', ['tsc', '-b', 'sdk-node/tsconfig.build.json'], { cwd: root });
  await run('npm', ['pack', '-w', 'contracts', '-w', 'sdk-node', '--pack-destination', dir], {
    cwd: root,
  });
  const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  expect(tarballs).toHaveLength(2);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'quickstart', private: true }));
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      ...tarballs.map((t) => `./${t}`),
    ],
    { cwd: dir },
  );
}, 180_000);

afterAll(async () => {
  await kv?.destroy();
  await nc?.close();
  const redis = createClient({ url: services.redisUrl });
  await redis.connect();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(keys);
  redis.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('packaged SDK', () => {
  it('runs the README quick start from ESM and exits by itself', async () => {
    writeFileSync(
      join(dir, 'quickstart.mjs'),
      adapt(quickStart('esm'), appId, bucket, prefix, 'esm'),
    );
    const { stdout } = await run(process.execPath, ['quickstart.mjs'], {
      cwd: dir,
      timeout: 30_000,
    });
    expect(JSON.parse(stdout.trim())).toEqual({ status: 'ready', active: true });
  }, 60_000);

  it('runs the README quick start from CommonJS require() and exits by itself', async () => {
    writeFileSync(
      join(dir, 'quickstart.cjs'),
      adapt(quickStart('cjs'), appId, bucket, prefix, 'cjs'),
    );
    const { stdout } = await run(process.execPath, ['quickstart.cjs'], {
      cwd: dir,
      timeout: 30_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
      status: 'ready',
      active: true,
    });
  }, 60_000);

  it('ships type declarations and the openfeature / testing entry points', () => {
    const pkg = JSON.parse(
      readFileSync(join(dir, 'node_modules/@tailslide/sdk-node/package.json'), 'utf8'),
    ) as {
      exports: Record<string, { types?: string }>;
    };
    for (const entry of ['.', './openfeature', './testing']) {
      const types = pkg.exports[entry]?.types;
      expect(types).toBeDefined();
      expect(readFileSync(join(dir, 'node_modules/@tailslide/sdk-node', types!), 'utf8')).toContain(
        'export',
      );
    }
  });
});
