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
 * `HINCRBY` per field and `PEXPIRE` per bucket, and `PUBLISH` of the app's own wake channel after
 * an early flush, ADR 0003), plus `CLUSTER SLOTS`, which a Redis Cluster
 * client needs to learn which node serves which keys (it reveals only node addresses and slot
 * ranges; a standalone server refuses it whatever the ACL says). Nothing else: no reads, no
 * `PING`, no `CLIENT` (the writer sets `disableClientInfo`). `AUTH` and `HELLO` need no permission.
 */
export const SDK_REDIS_COMMANDS = ['hincrby', 'pexpire', 'publish', 'cluster|slots'] as const;

/** The part of a node-redis client {@link RedisSdkAcl} uses (server-kit `RedisClient` fits). */
export interface AclRedisClient {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * Every server ACL commands must run on. Redis Cluster does not share ACL users between nodes, so
 * on a cluster each master and replica gets them (server-kit `redisNodeClients`); nodes that
 * cannot be reached now are listed in `unreachable` and get the users when they come back.
 */
export interface AclRedisNodes {
  nodes(): Promise<{
    readonly clients: readonly AclRedisClient[];
    readonly unreachable: readonly { readonly address: string; readonly error: unknown }[];
  }>;
}

/**
 * What {@link keepSdkAclInSync} listens to: node-redis emits `ready` after every (re)connect; a
 * cluster adapter (server-kit `onRedisReady`) calls `onReady` after its discovery and after every
 * node (re)connect.
 */
export type ReadyEmitter =
  | {
      readonly isReady: boolean;
      on(event: 'ready', listener: () => void): unknown;
      off(event: 'ready', listener: () => void): unknown;
    }
  | { readonly isReady: boolean; onReady(listener: () => void): () => void };

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
  readonly #redis: AclRedisNodes;
  readonly #prefix: string;
  #queue: Promise<unknown> = Promise.resolve();

  /** `redis`: one server's client, or every node of a cluster ({@link AclRedisNodes}). */
  constructor(redis: AclRedisClient | AclRedisNodes, opts: { prefix: string }) {
    this.#redis =
      'nodes' in redis
        ? redis
        : { nodes: () => Promise.resolve({ clients: [redis], unreachable: [] }) };
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

  /** The names of this prefix's SDK users Redis holds now (on any node of a cluster). */
  async sdkUsers(): Promise<string[]> {
    const { clients } = await this.#redis.nodes();
    const all = new Set<string>();
    for (const c of clients) for (const u of await this.#nodeSdkUsers(c)) all.add(u);
    return [...all];
  }

  async #nodeSdkUsers(client: AclRedisClient): Promise<string[]> {
    const users = await client.sendCommand(['ACL', 'USERS']);
    if (!Array.isArray(users)) return [];
    return users.filter((u): u is string => typeof u === 'string' && this.#isSdkUser(u));
  }

  /**
   * Runs `task` on every node, each whatever the others do; rejects afterwards when a node could
   * not be reached or refused, naming them (the next sync, at its reconnect, repairs it).
   */
  async #onEveryNode(task: (client: AclRedisClient) => Promise<void>): Promise<void> {
    const { clients, unreachable } = await this.#redis.nodes();
    const failed = [...unreachable];
    const results = await Promise.allSettled(clients.map((c) => task(c)));
    results.forEach((r) => {
      if (r.status === 'rejected') failed.push({ address: 'node', error: r.reason });
    });
    if (failed.length === 0) return;
    const first = failed[0]?.error;
    if (clients.length === 1 && failed.length === 1 && unreachable.length === 0) throw first;
    throw new Error(
      `Redis ACL not applied on ${failed.length} node(s): ${failed
        .map((f) => `${f.address}: ${f.error instanceof Error ? f.error.message : String(f.error)}`)
        .join('; ')}`,
      { cause: first },
    );
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
    this.#check(g);
    await this.#onEveryNode((c) => this.#grantOn(c, g));
  }

  #check(g: SdkRedisGrant): void {
    if (!USER_NAME.test(g.redisUser) || !this.#isSdkUser(g.redisUser))
      throw new Error(`not an SDK Redis user of prefix "${this.#prefix}": ${g.redisUser}`);
    if (!APP_ID.test(g.appId)) throw new Error(`invalid app id: ${g.appId}`);
    if (!SHA256_HEX.test(g.secretSha256))
      throw new Error('secretSha256 must be 64 lowercase hex digits');
  }

  async #grantOn(client: AclRedisClient, g: SdkRedisGrant): Promise<void> {
    await client.sendCommand([
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
    await this.#onEveryNode(async (c) => {
      await c.sendCommand(['ACL', 'DELUSER', redisUser]);
    });
  }

  async #sync(live: readonly SdkRedisGrant[]): Promise<void> {
    for (const g of live) this.#check(g);
    const keep = new Set(live.map((g) => g.redisUser));
    await this.#onEveryNode(async (c) => {
      for (const user of await this.#nodeSdkUsers(c))
        if (!keep.has(user)) await c.sendCommand(['ACL', 'DELUSER', user]);
      for (const g of live) await this.#grantOn(c, g);
    });
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
  let stop: () => void;
  if ('onReady' in redis) {
    stop = redis.onReady(run);
  } else {
    redis.on('ready', run);
    stop = () => redis.off('ready', run);
  }
  if (redis.isReady) run();
  return stop;
}
