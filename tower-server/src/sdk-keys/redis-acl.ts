import { createHash } from 'node:crypto';
import { sdkRedisUser, signalKeyPattern, signalWakeChannelPattern } from '@tailslide/contracts';

/**
 * Redis side of SDK keys (ADR 0007): one ACL user per live key, created and deleted by Tower.
 * The SDK authenticates as `redisUser` with the key's secret; Tower keeps only sha256(secret).
 */
export interface SdkRedisGrant {
  /** `<prefix>-sdk-<keyId>` ({@link sdkRedisUser}). */
  readonly redisUser: string;
  /** The app whose signal keys the user may write. */
  readonly appId: string;
  /** sha256 of the key's secret, 64 lowercase hex digits (Redis ACL `#<hash>`). */
  readonly secretSha256: string;
}

/** What Tower stores of an SDK key's secret: sha256, hex (the ACL `#<hash>` password form). */
export function sdkSecretSha256(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * The commands of the SDK's signal writer (sdk-node `RedisSignalWriter`: one pipeline of
 * `HINCRBY` per field and `PEXPIRE` per bucket, plus `PUBLISH` of the app's wake channel after an
 * early flush). Nothing else: no reads, no `PING`, no `CLIENT` (the writer sets
 * `disableClientInfo`). `AUTH` and `HELLO` need no permission.
 */
export const SDK_REDIS_COMMANDS = ['hincrby', 'pexpire', 'publish'] as const;

/** The part of a node-redis client {@link RedisSdkAcl} uses (server-kit `RedisClient` fits). */
export interface AclRedisClient {
  sendCommand(args: string[]): Promise<unknown>;
}

/** What {@link keepSdkAclInSync} listens to: node-redis emits `ready` after every (re)connect. */
export interface ReadyEmitter {
  readonly isReady: boolean;
  on(event: 'ready', listener: () => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
}

const USER_NAME = /^[A-Za-z0-9_.-]{1,200}$/;
const APP_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Creates, refreshes and deletes the Redis ACL users of SDK keys. Every operation runs in one
 * queue, in call order, so a `sync` started before a `grant` or `revoke` can never undo it.
 *
 * Redis keeps ACL users in memory only (compose runs it without persistence), so Tower must
 * call {@link sync} at start and after every Redis reconnect — {@link keepSdkAclInSync} does
 * exactly that. `grant`/`revoke` reject while Redis is unreachable; the next sync repairs it.
 */
export class RedisSdkAcl {
  readonly #redis: AclRedisClient;
  readonly #prefix: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(redis: AclRedisClient, opts: { prefix: string }) {
    this.#redis = redis;
    this.#prefix = opts.prefix;
  }

  /**
   * Creates (or resets) the key's user: on, password hash only, the app's signal keys only,
   * the writer's commands only, one pub/sub channel (the app's wake channel). Connections already open stay open and get
   * the new rights at once.
   */
  grant(g: SdkRedisGrant): Promise<void> {
    return this.#enqueue(() => this.#grant(g));
  }

  /**
   * Deletes the key's user. Redis (6.0+) closes every connection authenticated as a deleted
   * user in the same command, so a revoked SDK is cut off immediately, not at its next
   * reconnect. Deleting a user that does not exist is not an error.
   */
  revoke(redisUser: string): Promise<void> {
    return this.#enqueue(() => this.#revoke(redisUser));
  }

  /**
   * Makes Redis hold exactly the users of `live`: (re)creates each, deletes every other
   * `<prefix>-sdk-<id>` user. Users of other prefixes (another platform on the same Redis)
   * and the services' users are left alone.
   */
  sync(live: readonly SdkRedisGrant[]): Promise<void> {
    return this.#enqueue(() => this.#sync(live));
  }

  /**
   * Like {@link sync} with the live keys read by `load` inside the queue, so a key created or
   * revoked while the sync runs is applied after it and wins.
   */
  syncWith(load: () => Promise<readonly SdkRedisGrant[]>): Promise<void> {
    return this.#enqueue(async () => this.#sync(await load()));
  }

  /** The names of this prefix's SDK users Redis holds now. */
  async sdkUsers(): Promise<string[]> {
    const users = await this.#redis.sendCommand(['ACL', 'USERS']);
    if (!Array.isArray(users)) return [];
    return users.filter((u): u is string => typeof u === 'string' && this.#isSdkUser(u));
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #isSdkUser(name: string): boolean {
    const head = sdkRedisUser(this.#prefix, '');
    return name.startsWith(head) && /^[0-9]{1,18}$/.test(name.slice(head.length));
  }

  async #grant(g: SdkRedisGrant): Promise<void> {
    if (!USER_NAME.test(g.redisUser) || !this.#isSdkUser(g.redisUser))
      throw new Error(`not an SDK Redis user of prefix "${this.#prefix}": ${g.redisUser}`);
    if (!APP_ID.test(g.appId)) throw new Error(`invalid app id: ${g.appId}`);
    if (!SHA256_HEX.test(g.secretSha256))
      throw new Error('secretSha256 must be 64 lowercase hex digits');
    await this.#redis.sendCommand([
      'ACL',
      'SETUSER',
      g.redisUser,
      'reset',
      'on',
      `#${g.secretSha256}`,
      `~${signalKeyPattern(this.#prefix, g.appId)}`,
      'resetchannels',
      `&${signalWakeChannelPattern(this.#prefix, g.appId)}`,
      '-@all',
      ...SDK_REDIS_COMMANDS.map((c) => `+${c}`),
    ]);
  }

  async #revoke(redisUser: string): Promise<void> {
    if (!this.#isSdkUser(redisUser))
      throw new Error(`not an SDK Redis user of prefix "${this.#prefix}": ${redisUser}`);
    await this.#redis.sendCommand(['ACL', 'DELUSER', redisUser]);
  }

  async #sync(live: readonly SdkRedisGrant[]): Promise<void> {
    const keep = new Set(live.map((g) => g.redisUser));
    for (const user of await this.sdkUsers()) {
      if (!keep.has(user)) await this.#revoke(user);
    }
    for (const g of live) await this.#grant(g);
  }
}

/**
 * Runs `acl.syncWith(load)` now (when the client is ready) and after every Redis reconnect
 * (node-redis `ready`), so SDK users come back after a Redis restart. Failures go to `onError`
 * (the next reconnect retries). Returns a function that stops listening.
 */
export function keepSdkAclInSync(
  redis: ReadyEmitter,
  acl: RedisSdkAcl,
  load: () => Promise<readonly SdkRedisGrant[]>,
  onError: (err: unknown) => void,
): () => void {
  const run = (): void => {
    acl.syncWith(load).catch(onError);
  };
  redis.on('ready', run);
  if (redis.isReady) run();
  return () => {
    redis.off('ready', run);
  };
}
