/**
 * Liveness probe for a KV watch (SDK and Airbag).
 *
 * A KV watch is an ordered push consumer, an R1 consumer that lives on one server of a NATS
 * cluster. When that server dies while the watcher's own connection (to another server) stays
 * up, nothing tells the watcher: nats.js forces a 30 s idle heartbeat on ordered consumers and
 * re-creates one only after two missed heartbeats (a trip was hidden from an SDK for 60–95 s),
 * and a server list given explicitly never reports a server as gone. So the watcher asks for
 * its consumer's info every `intervalMs`: "consumer not found" means it is gone (re-watch now);
 * `failuresBeforeLost` failed probes in a row (timeouts while the cluster elects a new leader)
 * mean the same. A refusal (a credential minted before it could ask) stops the probe quietly.
 *
 * Dependency-free: it takes the consumer as `{ info(cached) }` (nats.js's `PushConsumer`).
 */

/** What the probe needs of a consumer: a fresh (uncached) info request. */
export interface ProbedConsumer {
  info(cached?: boolean): Promise<unknown>;
}

export interface WatchProbeOptions {
  /** How often to ask. @default 5000 */
  readonly intervalMs?: number;
  /** Failed probes in a row (not "not found") that count as a lost consumer. @default 2 */
  readonly failuresBeforeLost?: number;
  /** Called once when the consumer is lost; the probe stops itself first. */
  readonly onLost: (reason: string) => void;
}

export interface WatchProbe {
  stop(): void;
  /** Runs one probe now (tests and callers that know something happened). */
  check(): Promise<void>;
}

/** The default interval: a dead consumer host is noticed within 5–10 s. */
export const WATCH_PROBE_INTERVAL_MS = 5000;

const NOT_FOUND = /consumer not found|stream not found/i;
const REFUSED = /permissions? violation|authorization/i;

function describe(err: unknown): { message: string; code: number | undefined } {
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; api_error?: { err_code?: unknown } };
    const code =
      typeof e.api_error?.err_code === 'number'
        ? e.api_error.err_code
        : typeof e.code === 'number'
          ? e.code
          : undefined;
    const cause = e.cause instanceof Error ? ` ${e.cause.message}` : '';
    return { message: `${e.message}${cause}`, code };
  }
  return { message: String(err), code: undefined };
}

/** What a failed probe means: the consumer is gone, the credential may not ask, or unknown. */
export function classifyProbeError(err: unknown): 'gone' | 'refused' | 'failed' {
  const { message, code } = describe(err);
  // 10014: consumer not found; 10059: stream not found.
  if (code === 10014 || code === 10059 || NOT_FOUND.test(message)) return 'gone';
  if (REFUSED.test(message)) return 'refused';
  return 'failed';
}

/** Starts probing `consumer` (a timer that keeps no process alive). */
export function startWatchProbe(consumer: ProbedConsumer, opts: WatchProbeOptions): WatchProbe {
  const failuresBeforeLost = Math.max(1, opts.failuresBeforeLost ?? 2);
  let stopped = false;
  let inFlight = false;
  let failures = 0;
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  const lost = (reason: string) => {
    if (stopped) return;
    stop();
    opts.onLost(reason);
  };
  const check = async (): Promise<void> => {
    if (stopped || inFlight) return;
    inFlight = true;
    try {
      await consumer.info(false);
      failures = 0;
    } catch (err) {
      const kind = classifyProbeError(err);
      if (kind === 'gone') lost('consumer not found');
      else if (kind === 'refused') stop();
      else if (++failures >= failuresBeforeLost)
        lost(`${failures} consumer info requests failed: ${describe(err).message}`);
    } finally {
      inFlight = false;
    }
  };
  const timer = setInterval(() => void check(), opts.intervalMs ?? WATCH_PROBE_INTERVAL_MS);
  (timer as { unref?: () => void }).unref?.();
  return { stop, check };
}

/**
 * Probes the consumer behind a nats.js KV watch (`kv.watch()`'s iterator keeps it as `_data`);
 * `null` when the iterator has none (another nats.js version): the watch then runs unprobed.
 */
export function probeKvWatch(iter: object, opts: WatchProbeOptions): WatchProbe | null {
  const consumer = (iter as { _data?: unknown })._data;
  if (typeof consumer !== 'object' || consumer === null) return null;
  if (typeof (consumer as { info?: unknown }).info !== 'function') return null;
  return startWatchProbe(consumer as ProbedConsumer, opts);
}
