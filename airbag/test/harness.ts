import {
  FINE_RESOLUTION_MS,
  encodeFlagRule,
  flagKvKey,
  parseCircuitEvent,
  signalBucketKey,
  signalField,
  type CircuitEvent,
  type FlagRule,
} from '@tailslide/contracts';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino, type Logger } from 'pino';
import { createClient, type RedisClientType } from 'redis';
import { Writable } from 'node:stream';
import { deleteKeysWithPrefix, services, uniqueName } from '@tailslide/test-support';
import { startAirbag, type Airbag, type AirbagOptions } from '../src/airbag.js';

export type TestRedis = RedisClientType;

/** A node-redis client that fails fast while disconnected (what main.ts builds). */
export async function connectRedis(url: string = services.redisUrl): Promise<TestRedis> {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: () => 50, connectTimeout: 1000 },
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function connectNats(url: string = services.natsUrl): Promise<NatsConnection> {
  return connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
}

/** A logger that keeps every line, so tests can count what was logged. */
export function memoryLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n'))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines: () => lines };
}

/** Unique names for one test: buckets, stream, subject root, Redis prefix. */
export interface Names {
  readonly flagsBucket: string;
  readonly airbagBucket: string;
  readonly circuitStream: string;
  readonly circuitSubjectRoot: string;
  readonly redisPrefix: string;
}

export function uniqueNames(): Names {
  const id = uniqueName('ab');
  return {
    flagsBucket: `${id}_flags`,
    airbagBucket: `${id}_lease`,
    circuitStream: `${id}_CIRCUITS`.toUpperCase(),
    circuitSubjectRoot: `${id}.circuit`,
    redisPrefix: id,
  };
}

/** Everything one test talks to, with cleanup. */
export class Env {
  readonly names: Names = uniqueNames();
  readonly airbags: Airbag[] = [];
  flags!: KV;
  jsm!: JetStreamManager;

  private constructor(
    readonly nats: NatsConnection,
    readonly redis: TestRedis,
  ) {}

  static async create(nats: NatsConnection, redis: TestRedis): Promise<Env> {
    const env = new Env(nats, redis);
    env.jsm = await jetstreamManager(nats);
    env.flags = await new Kvm(nats).create(env.names.flagsBucket, { history: 1 });
    return env;
  }

  async start(options: Partial<AirbagOptions> = {}): Promise<Airbag> {
    const airbag = await startAirbag({
      nats: this.nats,
      redis: this.redis,
      ...this.names,
      autoPoll: false,
      logger: pino({ level: 'silent' }),
      ...options,
    });
    this.airbags.push(airbag);
    return airbag;
  }

  /** Writes a rule the way Tower's relay does. */
  async putRule(rule: FlagRule): Promise<void> {
    await this.flags.put(flagKvKey(rule.appId, rule.flagKey), encodeFlagRule(rule));
  }

  /** Adds counts to one 1 s bucket, as an SDK flush does (call it twice for two SDK instances). */
  async record(
    appId: string,
    flagKey: string,
    atMs: number,
    successes: number,
    failures: number,
  ): Promise<void> {
    const start = atMs - (atMs % FINE_RESOLUTION_MS);
    const key = signalBucketKey(this.names.redisPrefix, appId, FINE_RESOLUTION_MS, start);
    const m = this.redis.multi();
    if (successes > 0) m.hIncrBy(key, signalField(flagKey, 'success'), successes);
    if (failures > 0) m.hIncrBy(key, signalField(flagKey, 'failure'), failures);
    m.pExpire(key, 60_000);
    await m.exec();
  }

  /** Every event stored in the circuit stream, with its `Nats-Msg-Id`. */
  async storedEvents(): Promise<{ msgId: string | undefined; event: CircuitEvent }[]> {
    const info = await this.jsm.streams.info(this.names.circuitStream);
    const out: { msgId: string | undefined; event: CircuitEvent }[] = [];
    for (
      let seq = info.state.first_seq;
      seq <= info.state.last_seq && info.state.messages > 0;
      seq++
    ) {
      const m = await this.jsm.streams.getMessage(this.names.circuitStream, { seq });
      if (!m) continue;
      const parsed = parseCircuitEvent(m.data);
      if (!parsed.ok) throw new Error(`bad event in stream: ${parsed.error.message}`);
      out.push({ msgId: m.header?.get('Nats-Msg-Id'), event: parsed.value });
    }
    return out;
  }

  async cleanup(): Promise<void> {
    for (const a of this.airbags) await a.close().catch(() => undefined);
    if (!this.nats.isClosed()) {
      const kvm = new Kvm(this.nats);
      for (const b of [this.names.flagsBucket, this.names.airbagBucket]) {
        await kvm
          .open(b)
          .then((kv) => kv.destroy())
          .catch(() => undefined);
      }
      await this.jsm.streams.delete(this.names.circuitStream).catch(() => undefined);
    }
    if (this.redis.isReady) await deleteKeysWithPrefix(this.redis, this.names.redisPrefix);
  }
}

/** Keys of the shared helpers used by several test files. */
export { flagKvKey };
