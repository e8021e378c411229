import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { CIRCUIT_STREAM_SETTINGS, circuitStreamSubjects } from '@tailslide/contracts';

/** Where circuit events go. */
export interface CircuitStreamNames {
  /** Stream name (`DEFAULT_CIRCUIT_STREAM`). */
  readonly stream: string;
  /** Root of the event subjects (`CIRCUIT_SUBJECT_ROOT`). */
  readonly subjectRoot: string;
}

/** How many copies JetStream keeps of a Tailslide stream or bucket (`TAILSLIDE_NATS_REPLICAS`). */
export interface ReplicaOptions {
  /** 1 on a single server; 3 on a cluster of three or more. @default 1 */
  readonly replicas?: number | undefined;
}

/**
 * Creates the circuit-event stream with {@link CIRCUIT_STREAM_SETTINGS} if it is missing. Tower
 * and Airbag both call it at start, possibly at the same moment: losing that race is fine. An
 * existing stream keeps its settings, except its replica count, which is scaled to `replicas`
 * when one is given (so raising `TAILSLIDE_NATS_REPLICAS` on a cluster takes effect on restart).
 */
export async function ensureCircuitStream(
  jsm: JetStreamManager,
  names: CircuitStreamNames,
  options: ReplicaOptions = {},
): Promise<void> {
  try {
    const info = await jsm.streams.info(names.stream);
    await scaleStream(jsm, info.config, options.replicas);
    return;
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== JetStreamApiCodes.StreamNotFound) {
      throw err;
    }
  }
  try {
    await jsm.streams.add({
      name: names.stream,
      subjects: circuitStreamSubjects(names.subjectRoot),
      storage: CIRCUIT_STREAM_SETTINGS.storage,
      retention: CIRCUIT_STREAM_SETTINGS.retention,
      max_age: nanos(CIRCUIT_STREAM_SETTINGS.maxAgeMs),
      duplicate_window: nanos(CIRCUIT_STREAM_SETTINGS.duplicateWindowMs),
      num_replicas: options.replicas ?? 1,
    });
  } catch (err) {
    // Created by another process in between: fine. Anything else is the add's error.
    await jsm.streams.info(names.stream).catch(() => {
      throw err;
    });
  }
}

/** Brings an existing stream to `replicas` copies (no-op when not given or already there). */
export async function scaleStream(
  jsm: JetStreamManager,
  config: StreamConfig,
  replicas: number | undefined,
): Promise<void> {
  if (replicas === undefined || config.num_replicas === replicas) return;
  await jsm.streams.update(config.name, { ...config, num_replicas: replicas });
}
