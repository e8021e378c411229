import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { parseCircuitEvent } from '@tailslide/contracts';
import type { Logger } from 'pino';
import type { TowerMetrics } from '../ops/metrics.js';
import type { CircuitService } from './circuit-service.js';

/**
 * Settings of Tower's durable consumer on the circuit stream. A Tower that dies holding events
 * delays them until their ack wait ends, so the wait is short (issue 11: 30 s delayed 58 trips by
 * 30 s); a live Tower keeps the event it is applying with in-progress acks, and pulls small
 * batches so events waiting in its buffer are handled long before their wait ends.
 */
export const CIRCUIT_CONSUMER_SETTINGS = Object.freeze({
  /** An unacked delivery is redelivered after this long. */
  ackWaitMs: 1_000,
  /** In-progress ack interval while an apply runs (a third of the wait: two may be lost). */
  workingIntervalMs: 330,
  /** Events pulled per request: what a killed Tower can hold back for one ack wait. */
  batchSize: 8,
  /** Flags whose events are applied at the same time (each takes a pooled Postgres client). */
  concurrency: 4,
  /** Deliveries awaiting an ack across all Towers; beyond it the stream waits. */
  maxAckPending: 1_000,
  /** Life of one pull request; a lost one (node died, leader moved) is replaced after this. */
  pullExpiresMs: 5_000,
});

/** `<appId>.<flagKey>` of a circuit-event subject (`<root>.<appId>.<flagKey>.<type>`). */
function flagOfSubject(subject: string): string {
  return subject.split('.').slice(-3, -1).join('.');
}

/** What {@link CircuitEventConsumer} needs. */
export interface CircuitEventConsumerDeps {
  readonly nc: NatsConnection;
  readonly stream: string;
  readonly consumer: string;
  readonly service: CircuitService;
  readonly logger: Logger;
  readonly metrics?: TowerMetrics;
  /** Redelivery delay after a failed apply (Postgres down), and wait before resubscribing. @default 1000 */
  readonly retryMs?: number;
  /** Recreates the stream and consumer if they are gone; called before resubscribing. */
  readonly ensure?: () => Promise<void>;
}

/**
 * Pulls circuit events from Tower's durable JetStream consumer and applies them in stream order
 * per flag (several flags at a time). A message is acked only after its transaction committed; a failure naks it for
 * redelivery, so no event is lost while Postgres or Tower is down. Unparseable messages are
 * terminated (they can never succeed).
 */
export class CircuitEventConsumer {
  readonly #deps: CircuitEventConsumerDeps;
  #messages: ConsumerMessages | null = null;
  #loop: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(deps: CircuitEventConsumerDeps) {
    this.#deps = deps;
  }

  /** Subscribes; throws if the consumer cannot be reached now (Tower's startup fails fast). */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#open();
  }

  async #open(): Promise<void> {
    const { nc, stream, consumer } = this.#deps;
    const c = await jetstream(nc).consumers.get(stream, consumer);
    // Abort (instead of waiting forever) when the consumer or stream is deleted: we recreate them.
    const messages = await c.consume({
      max_messages: CIRCUIT_CONSUMER_SETTINGS.batchSize,
      // Pull requests live 5 s (heartbeats every 2.5 s): on a cluster, a pull parked on a node
      // that died, or on a consumer leader that moved, is replaced within seconds, not 30 s.
      expires: CIRCUIT_CONSUMER_SETTINGS.pullExpiresMs,
      abort_on_missing_resource: true,
    });
    this.#messages = messages;
    this.#loop = this.#drain(messages);
  }

  async #drain(messages: ConsumerMessages): Promise<void> {
    // Events of one flag are applied one after the other, in stream order; different flags at
    // the same time (up to `concurrency`), so a burst of trips is not one Postgres commit each.
    const running = new Set<Promise<void>>();
    const lastOfFlag = new Map<string, Promise<void>>();
    try {
      for await (const m of messages) {
        const flag = flagOfSubject(m.subject);
        const previous = lastOfFlag.get(flag) ?? Promise.resolve();
        const done: Promise<void> = previous
          .then(() => this.handle(m))
          .catch((err: unknown) => this.#deps.logger.warn({ err }, 'circuit event not handled'))
          .finally(() => {
            running.delete(done);
            if (lastOfFlag.get(flag) === done) lastOfFlag.delete(flag);
          });
        running.add(done);
        lastOfFlag.set(flag, done);
        if (running.size >= CIRCUIT_CONSUMER_SETTINGS.concurrency) await Promise.race(running);
      }
    } catch (err) {
      this.#deps.logger.warn({ err }, 'circuit event subscription interrupted');
    }
    await Promise.all(running);
    if (!this.#stopped) this.#resubscribeSoon();
  }

  #resubscribeSoon(): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void (async () => {
        try {
          await this.#deps.ensure?.();
          if (this.#stopped) return;
          await this.#open();
          this.#deps.logger.info('circuit event subscription resumed');
        } catch (err) {
          this.#deps.logger.warn({ err }, 'resubscribing to circuit events failed; retrying');
          if (!this.#stopped) this.#resubscribeSoon();
        }
      })();
    }, this.#deps.retryMs ?? 1_000);
  }

  /** Applies one message and acks / naks / terms it. */
  async handle(m: JsMsg): Promise<void> {
    const { service, logger, metrics } = this.#deps;
    const parsed = parseCircuitEvent(m.data);
    if (!parsed.ok) {
      logger.warn(
        { subject: m.subject, seq: m.seq, error: parsed.error },
        'dropping invalid circuit event',
      );
      metrics?.circuitEvents.inc({ type: 'invalid', outcome: 'invalid' });
      m.term();
      return;
    }
    const event = parsed.value;
    // Keep the delivery while the apply runs (Postgres may be slow): no redelivery meanwhile.
    const working = setInterval(() => m.working(), CIRCUIT_CONSUMER_SETTINGS.workingIntervalMs);
    try {
      const outcome = await service.apply(event);
      clearInterval(working);
      m.ack();
      metrics?.circuitEvents.inc({ type: event.type, outcome });
      logger.info({ eventId: event.id, type: event.type, outcome }, 'circuit event handled');
    } catch (err) {
      clearInterval(working);
      logger.warn({ err, eventId: event.id }, 'applying circuit event failed; will be redelivered');
      metrics?.circuitEvents.inc({ type: event.type, outcome: 'error' });
      m.nak(this.#deps.retryMs ?? 1_000);
    }
  }

  /** Stops pulling and waits for the message in hand. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const messages = this.#messages;
    this.#messages = null;
    if (messages) await messages.close();
    await this.#loop;
    this.#loop = null;
  }
}
