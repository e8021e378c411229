import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { CIRCUIT_STREAM_SETTINGS, circuitStreamSubjects } from '@tailslide/contracts';

/** Where circuit events go. */
export interface CircuitStreamNames {
  /** Stream name (`DEFAULT_CIRCUIT_STREAM`). */
  readonly stream: string;
  /** Root of the event subjects (`CIRCUIT_SUBJECT_ROOT`). */
  readonly subjectRoot: string;
}

/**
 * Creates the circuit-event stream with {@link CIRCUIT_STREAM_SETTINGS} if it is missing. Tower
 * and Airbag both call it at start, possibly at the same moment: losing that race is fine. An
 * existing stream is left as it is.
 */
export async function ensureCircuitStream(
  jsm: JetStreamManager,
  names: CircuitStreamNames,
): Promise<void> {
  try {
    await jsm.streams.info(names.stream);
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
    });
  } catch (err) {
    // Created by another process in between: fine. Anything else is the add's error.
    await jsm.streams.info(names.stream).catch(() => {
      throw err;
    });
  }
}
