/**
 * What a user of the packed SDK meets. Packs @tailslide/contracts and @tailslide/sdk-node, checks
 * what the tarballs hold, installs them into a fresh `npm init -y` project with the README's
 * install command under `--engine-strict` (this Node), type-checks ESM and CommonJS consumers
 * under `node16`, `nodenext` and `bundler`, then runs the README quick start (CommonJS and ESM)
 * with an SDK key in `TAILSLIDE_SDK_KEY`, against a NATS and a Redis that check keys (the
 * project's operator/JWT configuration and ACL): it prints the flag off, Tower (here: a KV write)
 * turns it on, it prints ON, neither server refused the key, and Ctrl-C lets the process exit.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect as natsConnect, credsAuthenticator } from '@nats-io/transport-node';
import {
  encodeFlagRule,
  encodeSdkKey,
  flagKvKey,
  sdkRedisUser,
  serviceRedisUser,
  signalKeyPattern,
} from '@tailslide/contracts';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  privateAuthNatsServer,
  privateSecuredRedisServer,
  type AuthNatsServer,
  type SecuredRedisServer,
} from '@tailslide/test-support';
import { testFlagRule } from '../src/testing.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
const tsc = join(root, 'node_modules/.bin/tsc');

function block(marker: string, lang: string): string {
  const m = new RegExp(`<!-- ${marker} -->\\s*\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m?.[1]) throw new Error(`README has no ${marker} block`);
  return m[1];
}

/** The README's `npm install` line (continuations joined), tarballs taken from the project folder. */
function installArgs(): string[] {
  const line = /^npm install (?:[^\n\\]|\\\n)*/m.exec(block('install', 'sh'))?.[0];
  if (!line) throw new Error('README install block has no npm install line');
  return line
    .replace(/\\\n/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .slice(2)
    .map((a) => a.replace(/^\/tmp\//, './'));
}

// Points the quick start at this test's private NATS and Redis (the README's are the defaults).
function adapt(code: string): string {
  const out = code
    .replace("nats: 'nats://127.0.0.1:4222',", `nats: '${nats.url}',`)
    .replace(
      "redis: 'redis://127.0.0.1:6379',",
      `redis: '${redis.url}', redisPrefix: '${redis.prefix}',`,
    );
  if (!out.includes(nats.url) || !out.includes(redis.url))
    throw new Error('quick start did not adapt');
  return out;
}

let dir: string;
let nats: AuthNatsServer;
let redis: SecuredRedisServer;
let redisTower: RedisClientType;
let nc: NatsConnection;
let kv: KV;
let packed: { name: string; files: { path: string }[] }[];
let nextKeyId = 1;

/**
 * A key for `appId` as Tower mints it: a NATS user allowed to watch the app, and a Redis ACL user
 * allowed to write its signal keys (password: the key's secret).
 */
async function sdkKey(appId: string): Promise<string> {
  const keyId = String(nextKeyId++);
  const user = await nats.sdkUser(appId, keyId);
  const redisUser = sdkRedisUser(redis.prefix, keyId);
  await redisTower.sendCommand([
    'ACL',
    'SETUSER',
    redisUser,
    'reset',
    'on',
    `>${user.seed}`,
    `~${signalKeyPattern(redis.prefix, appId)}`,
    'resetchannels',
    '-@all',
    '+hincrby',
    '+pexpire',
  ]);
  return encodeSdkKey({ appId, keyId, natsJwt: user.jwt, secret: user.seed, redisUser });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailslide-pack-'));
  nats = await privateAuthNatsServer();
  redis = await privateSecuredRedisServer();
  await Promise.all([nats.start(), redis.start()]);
  nc = await natsConnect({
    servers: nats.url,
    authenticator: credsAuthenticator(readFileSync(nats.towerCredsFile)),
  });
  kv = await new Kvm(nc).create(nats.names.flagsBucket, { history: 1 });
  redisTower = createClient({
    url: redis.url,
    username: serviceRedisUser(redis.prefix, 'tower'),
    password: redis.towerPassword,
    disableClientInfo: true,
  });
  await redisTower.connect();
  await run('npx', ['tsc', '-b', 'sdk-node/tsconfig.build.json'], { cwd: root });
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '-w', 'contracts', '-w', 'sdk-node', '--pack-destination', dir],
    { cwd: root },
  );
  packed = JSON.parse(stdout) as typeof packed;
  expect(readdirSync(dir).filter((f) => f.endsWith('.tgz'))).toHaveLength(2);
  await run('npm', ['init', '-y'], { cwd: dir });
  await run(
    'npm',
    [
      'install',
      '--engine-strict',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      ...installArgs(),
    ],
    { cwd: dir },
  );
}, 240_000);

afterAll(async () => {
  await nc?.close();
  redisTower?.destroy();
  await nats?.dispose();
  await redis?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `file` in the project, waits for `off`, turns the flag on (a newer KV entry, as Tower
 * writes it), waits for `ON`, then sends SIGINT: the quick start closes and the process must exit
 * on its own.
 */
async function turnOn(
  file: string,
  appId: number,
): Promise<{ lines: string[]; code: number | null; stderr: string }> {
  const rule = testFlagRule({ appId: String(appId), flagKey: 'new-checkout', active: false });
  await kv.put(flagKvKey(rule.appId, rule.flagKey), encodeFlagRule(rule));
  const child = spawn(process.execPath, [file], {
    cwd: dir,
    env: { ...process.env, TAILSLIDE_SDK_KEY: await sdkKey(rule.appId) },
  });
  let out = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const seen = (text: string) =>
    new Promise<void>((res, rej) => {
      const check = () => {
        if (!out.includes(text)) return;
        child.stdout.off('data', check);
        res();
      };
      child.stdout.on('data', check);
      child.once('exit', () => rej(new Error(`exited before printing ${text}: ${out}`)));
      check();
    });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  try {
    await seen('is off');
    await kv.put(
      flagKvKey(rule.appId, rule.flagKey),
      encodeFlagRule({ ...rule, version: 2, active: true }),
    );
    await seen('is ON');
    child.kill('SIGINT');
    const code = await Promise.race([
      exited,
      new Promise<'hung'>((res) => setTimeout(() => res('hung'), 15_000)),
    ]);
    if (code === 'hung') throw new Error('the quick start did not exit after Ctrl-C');
    return { lines: out.trim().split('\n'), code, stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('packed SDK', () => {
  it('ships no tests, no build info, no declaration maps, and JS maps that carry their sources', () => {
    for (const pkg of packed) {
      const paths = pkg.files.map((f) => f.path);
      expect(paths.filter((p) => /\.test\.|tsbuildinfo|\.d\.ts\.map$|^src\//.test(p))).toEqual([]);
      for (const map of paths.filter((p) => p.endsWith('.js.map'))) {
        const installed = join(dir, 'node_modules', pkg.name, map);
        const m = JSON.parse(readFileSync(installed, 'utf8')) as {
          sources: string[];
          sourcesContent?: (string | null)[];
        };
        expect(m.sourcesContent?.length, map).toBe(m.sources.length);
        expect(
          m.sourcesContent?.every((s) => typeof s === 'string' && s.length > 0),
          map,
        ).toBe(true);
      }
      // Every entry point a consumer can resolve is in the tarball.
      const manifest = JSON.parse(
        readFileSync(join(dir, 'node_modules', pkg.name, 'package.json'), 'utf8'),
      ) as { exports: Record<string, string | Record<string, Record<string, string> | string>> };
      for (const entry of Object.values(manifest.exports)) {
        if (typeof entry === 'string') continue;
        for (const [condition, target] of Object.entries(entry)) {
          if (condition === 'source') continue; // the monorepo's own condition: TypeScript sources
          for (const file of typeof target === 'string' ? [target] : Object.values(target))
            expect(paths, `${pkg.name} ${condition} ${file}`).toContain(file.replace(/^\.\//, ''));
        }
      }
    }
  });

  it('installs with --engine-strict on this Node: engines match the dependency tree', () => {
    const sdk = JSON.parse(
      readFileSync(join(dir, 'node_modules/@tailslide/sdk-node/package.json'), 'utf8'),
    ) as { engines: { node: string } };
    expect(sdk.engines.node).toBe('>=20.19');
    expect(process.versions.node.split('.')[0]).toBe('20'); // CI's Node: the major we state
  });

  it.each(['node16', 'nodenext', 'bundler'])(
    'type-checks ESM and CommonJS consumers under moduleResolution %s',
    async (resolution) => {
      writeFileSync(
        join(dir, 'esm-consumer.mts'),
        [
          "import { FlagManager, TailslideError, type Toggler } from '@tailslide/sdk-node';",
          "import { createTestFlagManager } from '@tailslide/sdk-node/testing';",
          "import { parseNatsServers } from '@tailslide/contracts';",
          "const m = new FlagManager({ appId: 1, nats: 'nats://127.0.0.1:4222', redis: 'redis://127.0.0.1:6379' });",
          "const t: Toggler = m.newToggler('new-checkout');",
          "export const on: boolean = t.isFlagActive('user-42');",
          'export { createTestFlagManager, TailslideError, parseNatsServers };',
        ].join('\n'),
      );
      writeFileSync(
        join(dir, 'cjs-consumer.cts'),
        [
          "import sdk = require('@tailslide/sdk-node');",
          "import testing = require('@tailslide/sdk-node/testing');",
          "import contracts = require('@tailslide/contracts');",
          "const m = new sdk.FlagManager({ appId: 1, nats: 'nats://127.0.0.1:4222', redis: 'redis://127.0.0.1:6379' });",
          "const t: sdk.Toggler = m.newToggler('new-checkout');",
          "export const on: boolean = t.isFlagActive('user-42');",
          'export const make = testing.createTestFlagManager;',
          "export const servers: string[] = contracts.parseNatsServers('a:4222,b:4222');",
        ].join('\n'),
      );
      const config = `tsconfig.${resolution}.json`;
      writeFileSync(
        join(dir, config),
        JSON.stringify({
          compilerOptions: {
            module: resolution === 'bundler' ? 'preserve' : resolution,
            moduleResolution: resolution,
            target: 'es2022',
            strict: true,
            noEmit: true,
            types: ['node'],
            typeRoots: [join(root, 'node_modules/@types')],
          },
          files: ['esm-consumer.mts', 'cjs-consumer.cts'],
        }),
      );
      await expect(run(tsc, ['-p', config], { cwd: dir })).resolves.toBeDefined();
    },
    120_000,
  );

  it('runs the README quick start as index.js in a fresh npm init -y (CommonJS) project: off, then ON, then exits on Ctrl-C', async () => {
    const appId = 100_000 + Math.floor(Math.random() * 1e9);
    writeFileSync(join(dir, 'index.js'), adapt(block('quickstart:cjs', 'js')));
    const { lines, code, stderr } = await turnOn('index.js', appId);
    expect(lines).toEqual([
      'status: ready',
      'new-checkout is off for user-42',
      'new-checkout is ON for user-42',
    ]);
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/refused|unauthorized/i); // NATS and Redis took the key
  }, 60_000);

  it('runs the ESM quick start as index.mjs the same way', async () => {
    const appId = 100_000 + Math.floor(Math.random() * 1e9);
    writeFileSync(join(dir, 'index.mjs'), adapt(block('quickstart:esm', 'js')));
    const { lines, code } = await turnOn('index.mjs', appId);
    expect(lines.at(-1)).toBe('new-checkout is ON for user-42');
    expect(code).toBe(0);
  }, 60_000);

  it('settles initialize() and keeps the process alive until then, with NATS down, a custom writer and a throwing logger', async () => {
    writeFileSync(
      join(dir, 'nats-down.js'),
      [
        "const { FlagManager } = require('@tailslide/sdk-node');",
        "const { InMemorySignalWriter } = require('@tailslide/sdk-node/testing');",
        'const boom = () => { throw new Error("logger down"); };',
        'const m = new FlagManager({',
        `  appId: 1, nats: 'nats://127.0.0.1:${await freePort()}', initTimeoutMs: 300,`,
        '  signalWriter: new InMemorySignalWriter(), logger: { warn: boom, error: boom },',
        '});',
        'm.initialize().then((r) => { console.log(JSON.stringify(r)); return m.close(); });',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, ['nats-down.js'], { cwd: dir, timeout: 20_000 });
    expect(JSON.parse(stdout.trim())).toEqual({ status: 'not_ready', flags: 0 });
  }, 30_000);

  it('ships type declarations and the openfeature / testing entry points', () => {
    const pkg = JSON.parse(
      readFileSync(join(dir, 'node_modules/@tailslide/sdk-node/package.json'), 'utf8'),
    ) as { exports: Record<string, { import?: { types?: string } }> };
    for (const entry of ['.', './openfeature', './testing']) {
      const types = pkg.exports[entry]?.import?.types;
      expect(types).toBeDefined();
      expect(readFileSync(join(dir, 'node_modules/@tailslide/sdk-node', types!), 'utf8')).toContain(
        'export',
      );
    }
  });
});
