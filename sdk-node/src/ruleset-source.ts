import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import {
  appKvFilter,
  parseCircuitKvKey,
  parseFlagKvKey,
  parseNatsServers,
  probeKvWatch,
  WATCH_PROBE_INTERVAL_MS,
} from '@tailslide/contracts';
import type { SdkCredentials } from '@tailslide/contracts';
import { TailslideErrorCode, toTailslideError, type TailslideError } from './errors.js';
import { isNatsAuthError, natsKeyOptions, sdkKeyOption } from './sdk-key-auth.js';
import { MIN_RETRY_DELAY_MS, timerOption } from './options.js';

/** Receives what a {@link RulesetSource} sees. Every callback must not throw. */
export interface RulesetListener {
  /** A fresh full load starts: entries until `onSynced` are the complete current set. */
  onResync(): void;
  /** A flag's value (`null` for a delete/purge) at `revision`. */
  onEntry(flagKey: string, value: Uint8Array | string | object | null, revision: number): void;
  /**
   * A flag's circuit state as Airbag decided it (`null` for a delete/purge) at `revision`
   * (ADR 0008). Part of the same full load as `onEntry`.
   */
  onCircuit?(flagKey: string, value: Uint8Array | string | object | null, revision: number): void;
  /** The full load that began with `onResync` is complete; the source is live. */
  onSynced(): void;
  /** The source lost its feed (disconnected, watch broken, bucket missing). It keeps retrying. */
  onStale(error: TailslideError): void;
}

/** Where rules come from: the NATS KV watcher in production, memory in tests. */
export interface RulesetSource {
  /** Starts delivering to `listener`; returns at once (work continues in the background). */
  start(listener: RulesetListener): void;
  /** Stops delivering and releases what the source opened. */
  close(): Promise<void>;
}

/** Options of {@link NatsRulesetSource}. */
export interface NatsRulesetSourceOptions {
  /** App whose flags are watched. */
  readonly appId: string;
  /**
   * A NATS server list — one URL, or several separated by commas as in `NATS_URL` (the source
   * opens and owns the connection) — or an existing connection.
   */
  readonly nats: string | NatsConnection;
  /** KV bucket name. */
  readonly bucket: string;
  /**
   * The app's SDK key (`tsk1.…`, or parsed): its NATS user authenticates the connection the
   * source opens. A string that is not a key makes the constructor throw `invalid_config`.
   */
  readonly sdkKey?: string | SdkCredentials | undefined;
  /** Extra connection options when the source opens the connection (TLS, user, ...). */
  readonly natsOptions?: Partial<NodeConnectionOptions> | undefined;
  /** Pause between attempts to (re)connect or (re)watch (an integer from 100 to 2147483647). @default 1000 */
  readonly retryDelayMs?: number | undefined;
  /**
   * How often the watch's consumer is checked (an integer from 100 to 2147483647): a NATS
   * cluster server that dies with it is noticed within about twice this, instead of nats.js's
   * 60–95 s. @default 5000
   */
  readonly watchCheckMs?: number | undefined;
}

// Calls each listener callback so that a throw (a broken logger behind it, say) never escapes
// into the supervisor loop: one bad callback must not stop reconnection for good.
function safeListener(listener: RulesetListener): RulesetListener {
  const call = (fn: () => void) => {
    try {
      fn();
    } catch {
      // the listener's own business; the source goes on
    }
  };
  return {
    onResync: () => call(() => listener.onResync()),
    onEntry: (key, value, revision) => call(() => listener.onEntry(key, value, revision)),
    onCircuit: (key, value, revision) => call(() => listener.onCircuit?.(key, value, revision)),
    onSynced: () => call(() => listener.onSynced()),
    onStale: (error) => call(() => listener.onStale(error)),
  };
}

// A NATS failure as the listener sees it: `unauthorized` when NATS refused the key.
function natsError(message: string, err: unknown): TailslideError {
  return isNatsAuthError(err)
    ? toTailslideError(
        TailslideErrorCode.unauthorized,
        `${message}: the SDK key was refused (revoked, or not from this platform)`,
        err,
      )
    : toTailslideError(TailslideErrorCode.natsUnavailable, message, err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });
}

/** The consumer info nats.js caches on the watch iterator (not in its public types). */
interface WatchInternals {
  _data?: { info: (cached: boolean) => Promise<{ num_pending?: number }> };
}

/**
 * Watches `apps.<appId>.>` in the flags KV bucket: the app's rules and their circuit states
 * (one filter: a NATS server before 2.10 takes one filter subject per consumer). Runs a supervisor loop for ever: connect
 * (retrying with an unref'd timer, so a process whose NATS never comes up can still exit), open
 * the bucket, watch (initial values, then updates). On a disconnect, a reconnect or a broken
 * watch it reports `stale`, and re-watches from scratch once the connection is back, so the
 * listener can drop flags deleted meanwhile. The bucket is never created here (Tower owns it).
 */
export class NatsRulesetSource implements RulesetSource {
  readonly #opts: NatsRulesetSourceOptions;
  readonly #retryMs: number;
  readonly #watchCheckMs: number;
  readonly #key: SdkCredentials | undefined;
  #nc: NatsConnection | null = null;
  // True while nats.js dials: its connect() cannot be cancelled, so close() does not wait for it
  // (a frozen server would hold close() for the whole connect timeout); #connect closes the
  // connection as soon as the dial returns.
  #dialing = false;
  #owned = false;
  #closed = false;
  #watch: { stop(): void } | null = null;
  /** Set when the watch was stopped on purpose to be re-created at once (a server left). */
  #rewatch = false;
  #wake: (() => void) | null = null;
  #loop: Promise<void> | null = null;

  /** Throws a `TailslideError` (`invalid_config`) for a `retryDelayMs` out of range. */
  constructor(opts: NatsRulesetSourceOptions) {
    this.#opts = opts;
    this.#retryMs = timerOption('retryDelayMs', opts.retryDelayMs, 1000, MIN_RETRY_DELAY_MS);
    this.#watchCheckMs = timerOption(
      'watchCheckMs',
      opts.watchCheckMs,
      WATCH_PROBE_INTERVAL_MS,
      MIN_RETRY_DELAY_MS,
    );
    this.#key = typeof opts.sdkKey === 'string' ? sdkKeyOption(opts.sdkKey) : opts.sdkKey;
  }

  start(rawListener: RulesetListener): void {
    if (this.#loop) return;
    const listener = safeListener(rawListener);
    this.#loop = this.#run(listener).catch((err: unknown) => {
      listener.onStale(
        toTailslideError(TailslideErrorCode.natsUnavailable, 'ruleset source stopped', err),
      );
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#watch?.stop();
    this.#wake?.();
    const nc = this.#nc;
    if (nc && this.#owned) {
      await nc.close().catch(() => undefined);
    }
    if (!this.#dialing) await this.#loop;
  }

  async #pause(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      void sleep(this.#retryMs).then(resolve);
    });
    this.#wake = null;
  }

  async #connect(listener: RulesetListener): Promise<NatsConnection | null> {
    const target = this.#opts.nats;
    if (typeof target !== 'string') return target;
    while (!this.#closed) {
      try {
        this.#dialing = true;
        const nc = await connect({
          servers: parseNatsServers(target),
          name: `tailslide-sdk:${this.#opts.appId}`,
          ...(this.#key ? natsKeyOptions(this.#key) : {}),
          maxReconnectAttempts: -1,
          reconnectTimeWait: 1000,
          pingInterval: 10_000,
          maxPingOut: 2,
          timeout: 5000,
          ...this.#opts.natsOptions,
          // The first connection is retried by our own unref'd loop instead of nats.js's
          // waitOnFirstConnect, whose dial loop cannot be cancelled by close().
          waitOnFirstConnect: false,
        }).finally(() => {
          this.#dialing = false;
        });
        this.#owned = true;
        if (this.#closed) {
          await nc.close().catch(() => undefined);
          return null;
        }
        return nc;
      } catch (err) {
        listener.onStale(natsError('cannot connect to NATS', err));
        await this.#pause();
      }
    }
    return null;
  }

  #watchStatus(nc: NatsConnection, listener: RulesetListener): void {
    void (async () => {
      for await (const s of nc.status()) {
        if (this.#closed) return;
        if (s.type === 'disconnect' || s.type === 'staleConnection') {
          listener.onStale(
            toTailslideError(TailslideErrorCode.natsUnavailable, 'NATS connection lost', s.type),
          );
        } else if (s.type === 'error' && isNatsAuthError(s.error)) {
          listener.onStale(natsError('NATS refused the SDK key', s.error));
        } else if (s.type === 'update' && (s.deleted?.length ?? 0) > 0) {
          // A server left the cluster (its route dropped). The ordered consumer behind the watch
          // may have lived there while this connection, on another node, stays up: nats.js would
          // notice only after missed heartbeats and then re-create it slowly (a dead consumer
          // host kept a trip from an SDK for 95 s). Re-watch at once from scratch.
          this.#rewatch = true;
          this.#watch?.stop();
        } else if (s.type === 'reconnect') {
          // The ordered consumer behind the watch may or may not survive a server restart;
          // re-watch from scratch so deletions made meanwhile are seen too.
          this.#watch?.stop();
        }
      }
    })().catch(() => undefined);
  }

  async #run(listener: RulesetListener): Promise<void> {
    while (!this.#closed) {
      const nc = await this.#connect(listener);
      if (!nc) return;
      this.#nc = nc;
      this.#watchStatus(nc, listener);
      await this.#watchUntilClosed(nc, listener);
      if (this.#closed) return;
      const why = await nc.closed();
      listener.onStale(natsError('NATS connection closed', why ?? 'closed'));
      // A connection we were given is the caller's to replace; one we opened (closed for good
      // by, e.g., repeated auth errors) is opened again.
      if (!this.#owned) return;
      await this.#pause();
    }
  }

  async #watchUntilClosed(nc: NatsConnection, listener: RulesetListener): Promise<void> {
    const closedForGood = nc.closed().then(() => true);
    while (!this.#closed && !nc.isClosed()) {
      try {
        const kv: KV = await new Kvm(nc).open(this.#opts.bucket);
        await this.#consume(kv, listener);
        if (this.#rewatch) {
          this.#rewatch = false;
          continue;
        }
        if (!this.#closed && !nc.isClosed()) {
          listener.onStale(
            toTailslideError(TailslideErrorCode.natsUnavailable, 'KV watch ended', 'restarting'),
          );
        }
      } catch (err) {
        if (this.#closed || nc.isClosed()) return;
        listener.onStale(
          toTailslideError(
            TailslideErrorCode.natsUnavailable,
            `cannot watch KV bucket ${this.#opts.bucket}`,
            err,
          ),
        );
      }
      if (this.#closed) return;
      await Promise.race([closedForGood, this.#pause()]);
    }
  }

  async #consume(kv: KV, listener: RulesetListener): Promise<void> {
    const iter = await kv.watch({ key: appKvFilter(this.#opts.appId) });
    this.#watch = iter;
    if (this.#closed) {
      iter.stop();
      return;
    }
    listener.onResync();
    let synced = false;
    const consumer = (iter as unknown as WatchInternals)._data;
    const info = await consumer?.info(true).catch(() => undefined);
    if (info?.num_pending === 0 || info === undefined) {
      synced = true;
      listener.onSynced();
    }
    // The consumer may die with a cluster server while this connection stays up: re-watch as
    // soon as a probe finds it gone (contracts' watch-probe says why nats.js alone is slow).
    // A key minted before keys could ask is refused at once (nats.js fails the request with the
    // permission error): the probe then stops and the watch runs unprobed.
    const probe = probeKvWatch(iter, {
      intervalMs: this.#watchCheckMs,
      onLost: () => {
        this.#rewatch = true;
        iter.stop();
      },
    });
    try {
      await this.#deliver(iter as AsyncIterable<KvWatchEntry>, listener, synced);
    } finally {
      probe?.stop();
    }
  }

  async #deliver(
    iter: AsyncIterable<KvWatchEntry>,
    listener: RulesetListener,
    initiallySynced: boolean,
  ): Promise<void> {
    let synced = initiallySynced;
    for await (const e of iter) {
      const value = e.operation === 'PUT' ? e.value : null;
      const parsed = parseFlagKvKey(e.key);
      if (parsed && parsed.appId === this.#opts.appId) {
        listener.onEntry(parsed.flagKey, value, e.revision);
      } else {
        const circuit = parseCircuitKvKey(e.key);
        if (circuit && circuit.appId === this.#opts.appId)
          listener.onCircuit?.(circuit.flagKey, value, e.revision);
      }
      if (!synced && e.isUpdate) {
        synced = true;
        listener.onSynced();
      }
    }
  }
}
