/**
 * Browser-test harness: builds the dashboard with Vite into a temporary directory, starts a real
 * Tower in-process against the shared Postgres / NATS / Redis under unique names, and drives
 * Debian's Chromium through playwright-core. Everything created is removed in `close()`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { SESSION_COOKIE } from '@tailslide/contracts';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
} from 'playwright-core';
import { createClient } from 'redis';
import { build } from 'vite';
import { afterAll, beforeAll } from 'vitest';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  eventually,
  services,
  signInAdmin,
  TEST_ADMIN,
  uniqueName,
  type AdminCredentials,
  type TestDatabase,
} from '@tailslide/test-support';
import { FlagManager } from '../../sdk-node/src/index.js';
import { startAirbag, type Airbag } from '../../airbag/src/index.js';
import { pino } from 'pino';
import { startTower, type RunningTower, type TowerOptions } from '../../tower-server/src/server.js';

const uiRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const screenshotDir = join(uiRoot, 'e2e', 'screenshots');

/** Builds the UI exactly as `npm run build -w tower-ui` does, into a fresh temporary directory. */
export async function buildUi(): Promise<{ dir: string; dispose: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tailslide-ui-'));
  // Vitest runs with NODE_ENV=test, which makes Vite and the React plugin build for development;
  // the dashboard under test must be the production build Tower serves.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(uiRoot, 'vite.config.ts'),
      logLevel: 'warn',
      mode: 'production',
      build: { outDir: dir, emptyOutDir: true, sourcemap: false },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Unique names of one test stack (nothing shared with other test files or runs). */
export interface StackNames {
  readonly flagsBucket: string;
  readonly airbagBucket: string;
  readonly circuitStream: string;
  readonly circuitSubjectRoot: string;
  readonly circuitConsumer: string;
  readonly redisPrefix: string;
}

const createRedis = () => createClient({ url: services.redisUrl });
export type TestRedis = ReturnType<typeof createRedis>;

/** Audit actor of the changes `Stack.api` makes (its admin token's name). */
export const E2E_ACTOR = 'token:e2e-script';

/** A Tower serving the built UI, plus connections for the test's own SDK / Airbag. */
export interface Stack {
  readonly tower: RunningTower;
  readonly names: StackNames;
  readonly nats: NatsConnection;
  readonly redis: TestRedis;
  /** The admin the stack starts with (session cookie for browsers, API token for `api`). */
  readonly admin: AdminCredentials;
  /** Calls Tower's API as the admin, like another client would (another browser, a script). */
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** Tower options a suite may set on top of the stack's own (e.g. webhook hosts of a local receiver). */
export type ExtraTowerOptions = Pick<
  TowerOptions,
  'webhookAllowedHosts' | 'publicUrl' | 'session'
> & {
  /** Tower's session clock: a test moves it forward instead of waiting. */
  readonly now?: () => Date;
};

export async function startStack(
  uiDir: string,
  { now, ...extra }: ExtraTowerOptions = {},
): Promise<Stack> {
  const id = uniqueName('e2e');
  const names: StackNames = {
    flagsBucket: `${id}_flags`,
    airbagBucket: `${id}_lease`,
    circuitStream: `${id}_circuits`.toUpperCase(),
    circuitSubjectRoot: `${id}.circuit`,
    circuitConsumer: `${id}_tower`,
    redisPrefix: id,
  };
  const db: TestDatabase = await createTestDatabase('tailslide_e2e');
  const nats = await connect({ servers: services.natsUrl });
  const redis = createRedis();
  redis.on('error', () => undefined);
  await redis.connect();
  let tower: RunningTower;
  try {
    tower = await startTower(
      {
        databaseUrl: db.url,
        natsUrl: services.natsUrl,
        redisUrl: services.redisUrl,
        port: 0,
        uiDir,
        logLevel: 'silent',
        admin: TEST_ADMIN,
        ...extra,
        ...names,
      },
      now ? { now } : {},
    );
  } catch (err) {
    await nats.close();
    await redis.close();
    await db.drop();
    throw err;
  }
  let admin: AdminCredentials;
  try {
    admin = await signInAdmin(tower.url, TEST_ADMIN, E2E_ACTOR.slice('token:'.length));
  } catch (err) {
    await tower.close();
    await nats.close();
    await redis.close();
    await db.drop();
    throw err;
  }
  return {
    tower,
    names,
    nats,
    redis,
    admin,
    async api<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${tower.url}/api${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...admin.headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
    },
    async close() {
      await tower.close();
      const jsm = await jetstreamManager(nats);
      for (const stream of [
        names.circuitStream,
        `KV_${names.flagsBucket}`,
        `KV_${names.airbagBucket}`,
      ]) {
        await jsm.streams.delete(stream).catch(() => false);
      }
      await deleteKeysWithPrefix(redis, names.redisPrefix);
      await nats.close();
      await redis.close();
      await db.drop();
    },
  };
}

/**
 * Launches Debian's Chromium headless; playwright gives every launch a fresh temporary profile.
 * `extraArgs` e.g. `--host-resolver-rules=MAP tailslide.test 127.0.0.1` to reach Tower by a name.
 */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** Saves a full-page screenshot under `tower-ui/e2e/screenshots/` (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/**
 * How long a test waits for a live update. Updates normally land within a second; the margin is
 * for a loaded CI machine running every package's tests at once (no timing is asserted).
 */
export const LIVE_TIMEOUT_MS = 10_000;

/** Waits until `locator`'s attribute has `value` (live updates arrive asynchronously). */
export async function waitForAttribute(
  locator: Locator,
  name: string,
  value: string,
  timeoutMs = LIVE_TIMEOUT_MS,
): Promise<void> {
  await eventually(
    async () => (await locator.getAttribute(name, { timeout: 500 })) === value,
    timeoutMs,
    50,
  );
}

/** The stack whose admin a suite's browser signs in as (set by {@link browserSuite}). */
const signedInStacks = new WeakMap<Browser, Stack>();

/**
 * A fresh browser context of the given size, signed in as the stack's admin (its session cookie)
 * when `browser` belongs to a {@link browserSuite}; `signedIn: false` gives an anonymous one.
 */
export async function newContext(
  browser: Browser,
  width = 1280,
  height = 800,
  signedIn = true,
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width, height } });
  context.setDefaultTimeout(10_000);
  const stack = signedIn ? signedInStacks.get(browser) : undefined;
  if (stack) {
    await context.addCookies([
      { name: SESSION_COOKIE, value: stack.admin.sessionCookie, url: stack.tower.url },
    ]);
  }
  return context;
}

/** A page in a fresh signed-in browser context of the given size, with page errors collected. */
export async function openPage(
  browser: Browser,
  width = 1280,
  height = 800,
): Promise<{ page: Page; errors: string[] }> {
  const context = await newContext(browser, width, height);
  const page = await context.newPage();
  return { page, errors: collectPageErrors(page) };
}

/** Collects page errors so a test can assert the page never crashed. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/** What one e2e suite drives: a Tower serving the built UI, and Chromium. */
export interface BrowserSuite {
  readonly stack: Stack;
  readonly browser: Browser;
}

/**
 * Registers the suite's hooks: before all, build the UI, start the stack and launch Chromium;
 * after all, run `beforeClose` (the suite's own clients) and close everything. Read `stack` and
 * `browser` inside tests and hooks only (they are set before the first test). `towerOptions` is
 * read when the stack starts, so it may use values set by `beforeAll` hooks registered earlier.
 */
export function browserSuite(
  beforeClose?: () => Promise<void>,
  towerOptions?: () => ExtraTowerOptions,
  browserArgs: readonly string[] = [],
): BrowserSuite {
  let ui: Awaited<ReturnType<typeof buildUi>> | undefined;
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    ui = await buildUi();
    stack = await startStack(ui.dir, towerOptions?.());
    browser = await launchBrowser(browserArgs);
    signedInStacks.set(browser, stack);
  }, 60_000);
  afterAll(async () => {
    await beforeClose?.();
    await browser?.close();
    await stack?.close();
    ui?.dispose();
  }, 30_000);
  return {
    get stack() {
      if (!stack) throw new Error('the stack is not started yet');
      return stack;
    },
    get browser() {
      if (!browser) throw new Error('the browser is not launched yet');
      return browser;
    },
  };
}

/** A quiet SDK client for `appId` on `stack`'s flags bucket and Redis prefix; the caller closes it. */
export function sdkClient(stack: Stack, appId: string): FlagManager {
  return new FlagManager({
    appId,
    nats: services.natsUrl,
    redis: services.redisUrl,
    flagsBucket: stack.names.flagsBucket,
    redisPrefix: stack.names.redisPrefix,
    logger: { warn: () => undefined, error: () => undefined },
  });
}

/**
 * A quiet Airbag on `stack`'s buckets, stream and Redis prefix that acts only when the test calls
 * `tick()`; `now` shifts its clock. The caller closes it.
 */
export function stackAirbag(stack: Stack, now?: () => number): Promise<Airbag> {
  return startAirbag({
    nats: stack.nats,
    redis: stack.redis,
    flagsBucket: stack.names.flagsBucket,
    airbagBucket: stack.names.airbagBucket,
    circuitStream: stack.names.circuitStream,
    circuitSubjectRoot: stack.names.circuitSubjectRoot,
    redisPrefix: stack.names.redisPrefix,
    autoPoll: false,
    ...(now ? { now } : {}),
    logger: pino({ level: 'silent' }),
  });
}
