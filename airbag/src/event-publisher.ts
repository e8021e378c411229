import {
  circuitEventSubject,
  circuitEventTypeToken,
  encodeCircuitEvent,
  type CircuitEvent,
} from '@tailslide/contracts';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';

export interface EventPublisherDeps {
  readonly js: JetStreamClient;
  readonly subjectRoot: string;
  /** How long to wait for the stream's ack. @default 2000 */
  readonly timeoutMs?: number;
}

/**
 * Publishes circuit events to JetStream with `Nats-Msg-Id` = `event.id`. A retry (on a later tick,
 * after a failure) sends the same id, so the stream stores the event once within its duplicate
 * window; Tower's applied-event table covers anything older.
 */
export class EventPublisher {
  readonly #js: JetStreamClient;
  readonly #root: string;
  readonly #timeoutMs: number;

  constructor(deps: EventPublisherDeps) {
    this.#js = deps.js;
    this.#root = deps.subjectRoot;
    this.#timeoutMs = deps.timeoutMs ?? 2000;
  }

  /** Publishes one event; rejects when the stream did not ack it. */
  publish(event: CircuitEvent): Promise<PubAck> {
    const subject = circuitEventSubject(
      event.appId,
      event.flagKey,
      circuitEventTypeToken(event.type),
      this.#root,
    );
    return this.#js.publish(subject, encodeCircuitEvent(event), {
      msgID: event.id,
      timeout: this.#timeoutMs,
    });
  }
}
