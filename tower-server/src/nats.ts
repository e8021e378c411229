import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstreamManager,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { circuitStreamSubjects, parseNatsServers } from '@tailslide/contracts';

/** Connects to NATS, reconnecting forever with a short wait so a restarted server is picked up fast. */
export async function connectNats(
  url: string,
  credentials: { user?: string | undefined; pass?: string | undefined } = {},
  name = 'tailslide-tower',
): Promise<NatsConnection> {
  return connect({
    servers: parseNatsServers(url),
    name,
    ...(credentials.user ? { user: credentials.user, pass: credentials.pass ?? '' } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    timeout: 5_000,
  });
}

/** Timeout of one KV or JetStream API call; a dead server fails fast and the caller retries. */
export const NATS_API_TIMEOUT_MS = 1_000;

/**
 * The flags KV bucket, opened lazily and reopened after an error, so a bucket that was deleted
 * (purged) is recreated by the next use instead of wedging the relay.
 */
export class FlagsBucket {
  readonly #nc: NatsConnection;
  readonly name: string;
  #kv: Promise<KV> | null = null;

  constructor(nc: NatsConnection, name: string) {
    this.#nc = nc;
    this.name = name;
  }

  /** The bucket, created if missing (history 1: readers only need the latest value per key). */
  async get(): Promise<KV> {
    this.#kv ??= this.#open().catch((err: unknown) => {
      this.#kv = null;
      throw err;
    });
    return this.#kv;
  }

  /** Forgets the handle; the next {@link get} re-creates the bucket if it is gone. */
  reset(): void {
    this.#kv = null;
  }

  async #open(): Promise<KV> {
    const jsm = await jetstreamManager(this.#nc, { timeout: NATS_API_TIMEOUT_MS });
    const kvm = new Kvm(jsm.jetstream());
    try {
      return await kvm.create(this.name, { history: 1, storage: StorageType.File });
    } catch (err) {
      // Created earlier with other options (e.g. by an SDK in a test): use it as it is.
      if (err instanceof JetStreamApiError) return kvm.open(this.name);
      throw err;
    }
  }
}

/** Settings of the circuit-event stream and Tower's durable consumer on it. */
export interface CircuitStreamOptions {
  readonly stream: string;
  readonly subjectRoot: string;
  readonly consumer: string;
}

const DAY_MS = 86_400_000;

/**
 * Creates the circuit-event stream (file storage, limits retention, 7 days, 2 min duplicate
 * window for Airbag's `Nats-Msg-Id`) and Tower's durable explicit-ack consumer, if missing.
 */
export async function ensureCircuitStream(
  nc: NatsConnection,
  opts: CircuitStreamOptions,
): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc, { timeout: NATS_API_TIMEOUT_MS });
  const config = {
    name: opts.stream,
    subjects: circuitStreamSubjects(opts.subjectRoot),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(7 * DAY_MS),
    duplicate_window: nanos(2 * 60_000),
  };
  try {
    await jsm.streams.info(opts.stream);
  } catch (err) {
    if (!(err instanceof JetStreamApiError)) throw err;
    // Another Tower may be creating it at the same moment: re-check before failing.
    await jsm.streams.add(config).catch(async (addErr: unknown) => {
      await jsm.streams.info(opts.stream).catch(() => {
        throw addErr;
      });
    });
  }
  try {
    await jsm.consumers.info(opts.stream, opts.consumer);
  } catch (err) {
    if (!(err instanceof JetStreamApiError)) throw err;
    const consumerConfig = {
      durable_name: opts.consumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
      max_ack_pending: 1_000,
    };
    await jsm.consumers.add(opts.stream, consumerConfig).catch(async (addErr: unknown) => {
      await jsm.consumers.info(opts.stream, opts.consumer).catch(() => {
        throw addErr;
      });
    });
  }
  return jsm;
}
