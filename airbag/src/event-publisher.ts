import {
  circuitEventSubject,
  circuitEventTypeToken,
  circuitStreamSubjects,
  encodeCircuitEvent,
  type CircuitEvent,
} from '@tailslide/contracts';
import {
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type PubAck,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

/** Circuit-event stream settings shared with Tower. */
export const CIRCUIT_STREAM_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** JetStream de-duplication window: a retry within it with the same `Nats-Msg-Id` is stored once. */
export const CIRCUIT_STREAM_DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

/**
 * Creates the circuit-event stream if it is missing (same config as Tower: file storage, limits
 * retention, 7 d max age, 2 min duplicate window). An existing stream is left as it is.
 */
export async function ensureCircuitStream(
  jsm: JetStreamManager,
  name: string,
  subjectRoot: string,
): Promise<void> {
  try {
    await jsm.streams.info(name);
    return;
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== JetStreamApiCodes.StreamNotFound)
      throw err;
  }
  try {
    await jsm.streams.add({
      name,
      subjects: circuitStreamSubjects(subjectRoot),
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(CIRCUIT_STREAM_MAX_AGE_MS),
      duplicate_window: nanos(CIRCUIT_STREAM_DUPLICATE_WINDOW_MS),
    });
  } catch (err) {
    // Tower (or another Airbag) may have created it in between; that is fine.
    await jsm.streams.info(name).catch(() => {
      throw err;
    });
  }
}

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
