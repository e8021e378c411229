import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  jetstreamManager,
  type ConsumerInfo,
} from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { ensureCircuitStream, ensureKvBucket } from '@tailslide/server-kit';
import { CIRCUIT_CONSUMER_SETTINGS } from './circuits/circuit-consumer.js';

/** Timeout of one KV or JetStream API call; a dead server fails fast and the caller retries. */
export const NATS_API_TIMEOUT_MS = 1_000;

/**
 * The flags KV bucket, opened lazily and reopened after an error, so a bucket that was deleted
 * (purged) is recreated by the next use instead of wedging the relay.
 */
export class FlagsBucket {
  readonly #nc: NatsConnection;
  readonly name: string;
  readonly #replicas: number | undefined;
  #kv: Promise<KV> | null = null;

  /** `replicas`: copies JetStream keeps (`TAILSLIDE_NATS_REPLICAS`); unset leaves it as it is. */
  constructor(nc: NatsConnection, name: string, replicas?: number) {
    this.#nc = nc;
    this.name = name;
    this.#replicas = replicas;
  }

  /** The bucket, created if missing. */
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
    return ensureKvBucket(jsm.jetstream(), this.name, { replicas: this.#replicas });
  }
}

/** Settings of the circuit-event stream and Tower's durable consumer on it. */
export interface CircuitStreamOptions {
  readonly stream: string;
  readonly subjectRoot: string;
  readonly consumer: string;
  /** Copies of the stream (`TAILSLIDE_NATS_REPLICAS`); the consumer follows the stream. */
  readonly replicas?: number;
}

/**
 * Creates the circuit-event stream and Tower's durable explicit-ack consumer if missing, and brings
 * an existing consumer's ack wait and pending limit to {@link CIRCUIT_CONSUMER_SETTINGS} (a
 * consumer created by an older Tower had a 30 s ack wait).
 */
export async function ensureCircuitStreamAndConsumer(
  nc: NatsConnection,
  opts: CircuitStreamOptions,
): Promise<void> {
  const jsm = await jetstreamManager(nc, { timeout: NATS_API_TIMEOUT_MS });
  await ensureCircuitStream(
    jsm,
    { stream: opts.stream, subjectRoot: opts.subjectRoot },
    { replicas: opts.replicas },
  );
  const settings = {
    ack_wait: nanos(CIRCUIT_CONSUMER_SETTINGS.ackWaitMs),
    max_ack_pending: CIRCUIT_CONSUMER_SETTINGS.maxAckPending,
  };
  let existing: ConsumerInfo | null = null;
  try {
    existing = await jsm.consumers.info(opts.stream, opts.consumer);
  } catch (err) {
    if (!(err instanceof JetStreamApiError)) throw err;
  }
  if (existing) {
    const { ack_wait, max_ack_pending } = existing.config;
    if (ack_wait !== settings.ack_wait || max_ack_pending !== settings.max_ack_pending) {
      await jsm.consumers.update(opts.stream, opts.consumer, settings);
    }
    return;
  }
  const consumerConfig = {
    durable_name: opts.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ...settings,
  };
  await jsm.consumers.add(opts.stream, consumerConfig).catch(async (addErr: unknown) => {
    await jsm.consumers.info(opts.stream, opts.consumer).catch(() => {
      throw addErr;
    });
  });
}

/** The durable circuit consumer's backlog: messages not yet delivered, and delivered but unacked. */
export async function circuitConsumerBacklog(
  nc: NatsConnection,
  stream: string,
  consumer: string,
): Promise<{ undelivered: number; unacknowledged: number }> {
  const jsm = await jetstreamManager(nc, { timeout: NATS_API_TIMEOUT_MS });
  const info = await jsm.consumers.info(stream, consumer);
  return { undelivered: info.num_pending, unacknowledged: info.num_ack_pending };
}
