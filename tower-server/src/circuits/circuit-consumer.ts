import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { parseCircuitEvent } from '@tailslide/contracts';
import type { Logger } from 'pino';
import type { TowerMetrics } from '../ops/metrics.js';
import type { CircuitService } from './circuit-service.js';

/** What {@link CircuitEventConsumer} needs. */
export interface CircuitEventConsumerDeps {
  readonly nc: NatsConnection;
  readonly stream: string;
  readonly consumer: string;
  readonly service: CircuitService;
  readonly logger: Logger;
  readonly metrics?: TowerMetrics;
  /** Redelivery delay after a failed apply (Postgres down). @default 1000 */
  readonly retryMs?: number;
}

/**
 * Pulls circuit events from Tower's durable JetStream consumer and applies them one at a time, in
 * stream order. A message is acked only after its transaction committed; a failure naks it for
 * redelivery, so no event is lost while Postgres or Tower is down. Unparseable messages are
 * terminated (they can never succeed).
 */
export class CircuitEventConsumer {
  readonly #deps: CircuitEventConsumerDeps;
  #messages: ConsumerMessages | null = null;
  #loop: Promise<void> | null = null;

  constructor(deps: CircuitEventConsumerDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    const { nc, stream, consumer } = this.#deps;
    const c = await jetstream(nc).consumers.get(stream, consumer);
    const messages = await c.consume({ max_messages: 64 });
    this.#messages = messages;
    this.#loop = (async () => {
      for await (const m of messages) await this.handle(m);
    })().catch((err: unknown) =>
      this.#deps.logger.error({ err }, 'circuit event consumer stopped'),
    );
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
    try {
      const outcome = await service.apply(event);
      m.ack();
      metrics?.circuitEvents.inc({ type: event.type, outcome });
      logger.info({ eventId: event.id, type: event.type, outcome }, 'circuit event handled');
    } catch (err) {
      logger.warn({ err, eventId: event.id }, 'applying circuit event failed; will be redelivered');
      metrics?.circuitEvents.inc({ type: event.type, outcome: 'error' });
      m.nak(this.#deps.retryMs ?? 1_000);
    }
  }

  /** Stops pulling and waits for the message in hand. */
  async stop(): Promise<void> {
    const messages = this.#messages;
    this.#messages = null;
    if (messages) await messages.close();
    await this.#loop;
    this.#loop = null;
  }
}
