import { EventEmitter } from 'node:events';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import {
  DEFAULT_FLAGS_BUCKET,
  DEFAULT_REDIS_PREFIX,
  isValidToken,
  type FlagRule,
} from '@tailslide/contracts';
import { createClient } from 'redis';
import { TailslideError, TailslideErrorCode, toTailslideError } from './errors.js';
import { evaluateDetailed, toUserId, type EvaluationDetails } from './evaluate.js';
import { FlagStore } from './flag-store.js';
import { RedisSignalWriter, type RedisClientLike } from './redis-signal-writer.js';
import { NatsRulesetSource, type RulesetSource } from './ruleset-source.js';
import { SignalSink, type SignalSinkStats, type SignalWriter } from './signal-sink.js';
import { readSnapshotFile, writeSnapshotFile } from './snapshot-file.js';
import { Toggler, type TogglerOptions } from './toggler.js';

/** Minimal logger (pino, console and most loggers fit). */
export interface TailslideLogger {
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

/** Options of {@link FlagManager}. */
export interface FlagManagerOptions {
  /** App id (a token `[A-Za-z0-9_-]{1,64}`) whose flags this manager serves. */
  readonly appId: string;
  /** Sent as the NATS auth token when the SDK opens the NATS connection. @default none */
  readonly sdkKey?: string | undefined;
  /**
   * NATS URL (the SDK opens, owns and closes the connection, reconnecting for ever) or an
   * existing `NatsConnection` (left open on close). Optional only when `rulesetSource` is given.
   */
  readonly nats?: string | NatsConnection | undefined;
  /** Extra nats.js connection options when the SDK opens the connection (TLS, user, ...). @default none */
  readonly natsOptions?: Partial<NodeConnectionOptions> | undefined;
  /**
   * Redis URL (the SDK opens, owns and closes the client) or an existing node-redis v5/v6
   * client. Optional only when `signalWriter` is given.
   */
  readonly redis?: string | RedisClientLike | undefined;
  /** Flags KV bucket. @default DEFAULT_FLAGS_BUCKET ('tailslide_flags') */
  readonly flagsBucket?: string | undefined;
  /** Prefix of the Redis keys signals are written to. @default DEFAULT_REDIS_PREFIX ('tailslide') */
  readonly redisPrefix?: string | undefined;
  /** User id used when `isFlagActive()` is called without one. @default '' */
  readonly userContext?: string | undefined;
  /** `initialize()` resolves after at most this long, whatever NATS does. @default 5000 */
  readonly initTimeoutMs?: number | undefined;
  /** Interval between signal flushes. @default 250 */
  readonly flushIntervalMs?: number | undefined;
  /** File where the last known rules are saved (atomically) and loaded from at start. @default none */
  readonly snapshotFile?: string | undefined;
  /** Receives errors nobody listens to on the `error` event. @default console, throttled */
  readonly logger?: TailslideLogger | undefined;
  /** Pause between NATS (re)connect / (re)watch attempts. @default 1000 */
  readonly retryDelayMs?: number | undefined;
  /** Replaces the NATS KV source (see `@tailslide/sdk-node/testing`). @default NATS KV watcher */
  readonly rulesetSource?: RulesetSource | undefined;
  /** Replaces the Redis signal writer. @default RedisSignalWriter */
  readonly signalWriter?: SignalWriter | undefined;
}

/** Lifecycle status of a {@link FlagManager}. */
export const ManagerStatus = {
  /** No rules yet (initializing, or NATS unreachable with no snapshot). */
  notReady: 'not_ready',
  /** Live: the full ruleset was loaded and updates are flowing. */
  ready: 'ready',
  /** Serving last known rules (disconnected, or loaded from the snapshot file). */
  stale: 'stale',
  /** `close()` was called. */
  closed: 'closed',
} as const;
/** One of {@link ManagerStatus}. */
export type ManagerStatus = (typeof ManagerStatus)[keyof typeof ManagerStatus];

/** What `initialize()` resolves with. */
export interface InitializeResult {
  readonly status: ManagerStatus;
  /** Number of flags known. */
  readonly flags: number;
}

/** Payload of the `ready` event. */
export interface ReadyEvent {
  readonly flags: number;
}
/** Payload of the `changed` event. */
export interface ChangedEvent {
  /** Keys of the flags whose rule changed, appeared or disappeared. */
  readonly flags: string[];
}
/** Payload of the `stale` event. */
export interface StaleEvent {
  /** `snapshot`: serving rules from the snapshot file; `disconnected`: lost the live feed. */
  readonly reason: 'snapshot' | 'disconnected';
  readonly error?: TailslideError | undefined;
}

/** Events of {@link FlagManager}. */
export interface FlagManagerEvents {
  ready: [ReadyEvent];
  changed: [ChangedEvent];
  stale: [StaleEvent];
  error: [TailslideError];
}

/** Counters for monitoring. */
export interface ManagerStats extends SignalSinkStats {
  readonly status: ManagerStatus;
  readonly flags: number;
}

/** What the manager needs from a Redis client it opened itself. */
interface OwnedRedis extends RedisClientLike {
  connect(): Promise<unknown>;
  destroy(): void;
}

const ERROR_THROTTLE_MS = 5000;
const SNAPSHOT_DEBOUNCE_MS = 1000;

const consoleLogger: TailslideLogger = {
  warn: (m, ...r) => console.warn(m, ...r),
  error: (m, ...r) => console.error(m, ...r),
};

/**
 * Serves the flags of one app from memory: rules arrive from the NATS KV (initial load, then live
 * updates), evaluation is local and synchronous, signals are aggregated and flushed to Redis.
 * Infrastructure trouble never throws: it is reported through `error` / `stale` events.
 */
export class FlagManager extends EventEmitter<FlagManagerEvents> {
  readonly #appId: string;
  readonly #userContext: string;
  readonly #initTimeoutMs: number;
  readonly #snapshotFile: string | undefined;
  readonly #logger: TailslideLogger;
  readonly #store: FlagStore;
  readonly #source: RulesetSource;
  readonly #sink: SignalSink;
  readonly #ownedRedis: OwnedRedis | null = null;
  #status: ManagerStatus = ManagerStatus.notReady;
  #init: Promise<InitializeResult> | null = null;
  #resolveReady: (() => void) | null = null;
  #resync: { seen: Set<string>; changed: Set<string> } | null = null;
  #lastErrorAt = new Map<string, number>();
  #snapshotTimer: NodeJS.Timeout | null = null;
  #snapshotWrite: Promise<void> = Promise.resolve();
  #closing: Promise<void> | null = null;

  constructor(options: FlagManagerOptions) {
    super();
    const o = options as Partial<FlagManagerOptions> | undefined;
    if (!o || typeof o.appId !== 'string' || !isValidToken(o.appId)) {
      throw new TailslideError(
        TailslideErrorCode.invalidConfig,
        'appId must match [A-Za-z0-9_-]{1,64}',
      );
    }
    if (o.nats === undefined && o.rulesetSource === undefined) {
      throw new TailslideError(
        TailslideErrorCode.invalidConfig,
        'nats (URL or connection) is required',
      );
    }
    if (o.redis === undefined && o.signalWriter === undefined) {
      throw new TailslideError(
        TailslideErrorCode.invalidConfig,
        'redis (URL or client) is required',
      );
    }
    const flushIntervalMs = o.flushIntervalMs ?? 250;
    if (!(flushIntervalMs > 0)) {
      throw new TailslideError(
        TailslideErrorCode.invalidConfig,
        'flushIntervalMs must be positive',
      );
    }
    this.#appId = o.appId;
    this.#userContext = o.userContext ?? '';
    this.#initTimeoutMs = o.initTimeoutMs ?? 5000;
    this.#snapshotFile = o.snapshotFile;
    this.#logger = o.logger ?? consoleLogger;
    this.#store = new FlagStore(o.appId);
    this.#source =
      o.rulesetSource ??
      new NatsRulesetSource({
        appId: o.appId,
        nats: o.nats as string | NatsConnection,
        bucket: o.flagsBucket ?? DEFAULT_FLAGS_BUCKET,
        sdkKey: o.sdkKey,
        natsOptions: o.natsOptions,
        retryDelayMs: o.retryDelayMs,
      });
    let writer = o.signalWriter;
    if (!writer) {
      let client: RedisClientLike;
      if (typeof o.redis === 'string') {
        const owned = createClient({
          url: o.redis,
          // Reject at once while disconnected instead of queueing: memory stays bounded.
          disableOfflineQueue: true,
          commandsQueueMaxLength: 1000,
          disableClientInfo: true,
          socket: { reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
        });
        owned.on('error', (err: unknown) =>
          this.#reportError(
            toTailslideError(TailslideErrorCode.redisUnavailable, 'Redis client error', err),
          ),
        );
        this.#ownedRedis = owned;
        client = owned;
      } else {
        client = o.redis as RedisClientLike;
      }
      writer = new RedisSignalWriter({ client, prefix: o.redisPrefix ?? DEFAULT_REDIS_PREFIX });
    }
    this.#sink = new SignalSink({
      appId: o.appId,
      writer,
      flushIntervalMs,
      onDropped: (dropped, cause) => {
        const err = toTailslideError(
          TailslideErrorCode.signalsDropped,
          `signal flush failed, ${dropped} signal(s) dropped`,
          cause,
        );
        this.#reportError(err);
      },
    });
  }

  /** The app this manager serves. */
  get appId(): string {
    return this.#appId;
  }

  /** Current lifecycle status. */
  get status(): ManagerStatus {
    return this.#status;
  }

  /**
   * Loads the snapshot file (if configured), starts watching NATS and flushing signals. Resolves
   * once the full ruleset is loaded or after `initTimeoutMs`, whichever comes first; never
   * rejects. Idempotent.
   */
  initialize(): Promise<InitializeResult> {
    this.#init ??= this.#initialize().catch((err: unknown) => {
      this.#reportError(
        toTailslideError(TailslideErrorCode.natsUnavailable, 'initialize failed', err),
      );
      return { status: this.#status, flags: this.#store.rules().length };
    });
    return this.#init;
  }

  async #initialize(): Promise<InitializeResult> {
    const ready = new Promise<void>((resolve) => {
      this.#resolveReady = resolve;
    });
    if (this.#snapshotFile) await this.#loadSnapshot(this.#snapshotFile);
    if (this.#status !== ManagerStatus.closed) {
      this.#sink.start();
      if (this.#ownedRedis) {
        this.#ownedRedis.connect().catch((err: unknown) => {
          this.#reportError(
            toTailslideError(TailslideErrorCode.redisUnavailable, 'cannot connect to Redis', err),
          );
        });
      }
      this.#source.start({
        onResync: () => this.#onResync(),
        onEntry: (key, value, revision) => this.#onEntry(key, value, revision),
        onSynced: () => this.#onSynced(),
        onStale: (err) => this.#onStale(err),
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        ready,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.#initTimeoutMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    }
    return { status: this.#status, flags: this.#store.rules().length };
  }

  /** A toggler for one flag. Cheap; keep it and reuse it on the hot path. */
  newToggler(options: TogglerOptions): Toggler {
    const flagName = String(options.flagName);
    return new Toggler(
      this.#store.slot(flagName),
      this.#sink.counter(flagName),
      this.#userContext,
      options.defaultValue ?? false,
    );
  }

  /** Evaluates `flagKey` for a user with the reason. Never throws. */
  evaluate(flagKey: string, userContext?: string, defaultValue = false): EvaluationDetails {
    try {
      const slot = this.#store.peek(flagKey);
      const user = userContext === undefined ? this.#userContext : toUserId(userContext);
      return evaluateDetailed(slot?.flag, user, defaultValue, slot?.invalid ?? false);
    } catch {
      return evaluateDetailed(null, '', defaultValue);
    }
  }

  /** The rules currently in force (copies of the parsed KV values). */
  rules(): FlagRule[] {
    return this.#store.rules();
  }

  /** Counters for monitoring (signals written / dropped, flushes, status). */
  stats(): ManagerStats {
    return { ...this.#sink.stats, status: this.#status, flags: this.#store.rules().length };
  }

  /** Flushes aggregated signals now (tests use it instead of waiting). Never rejects. */
  flush(): Promise<void> {
    return this.#sink.flush();
  }

  /** Flushes signals, saves the snapshot, stops watching and closes what the SDK opened. */
  close(): Promise<void> {
    this.#closing ??= this.#close().catch((err: unknown) => {
      this.#logger.warn('tailslide: error while closing', err);
    });
    return this.#closing;
  }

  async #close(): Promise<void> {
    const wasLive = this.#status === ManagerStatus.ready;
    this.#status = ManagerStatus.closed;
    this.#resolveReady?.();
    this.#sink.stop();
    await this.#source.close().catch(() => undefined);
    await this.#sink.flush();
    if (this.#snapshotTimer) {
      clearTimeout(this.#snapshotTimer);
      this.#snapshotTimer = null;
      if (wasLive || this.#store.rules().length > 0) this.#saveSnapshot();
    }
    await this.#snapshotWrite;
    if (this.#ownedRedis) {
      try {
        this.#ownedRedis.destroy();
      } catch {
        // already closed
      }
    }
  }

  async #loadSnapshot(path: string): Promise<void> {
    try {
      const snap = await readSnapshotFile(path, this.#appId);
      if (!snap) return;
      for (const rule of snap.rules) this.#store.applyRule(rule, 0);
      if (snap.rules.length > 0 && this.#status === ManagerStatus.notReady) {
        this.#status = ManagerStatus.stale;
        this.#emit('stale', { reason: 'snapshot' });
        this.#emit('changed', { flags: snap.rules.map((r) => r.flagKey) });
      }
    } catch (err) {
      this.#reportError(
        toTailslideError(TailslideErrorCode.snapshotFailed, `cannot read snapshot ${path}`, err),
      );
    }
  }

  #onResync(): void {
    this.#resync = { seen: new Set(), changed: new Set() };
  }

  #onEntry(flagKey: string, value: unknown, revision: number): void {
    if (this.#status === ManagerStatus.closed) return;
    const outcome =
      value === null
        ? this.#store.applyDelete(flagKey, revision)
        : this.#store.applyValue(flagKey, value, revision);
    if (this.#resync && value !== null) this.#resync.seen.add(flagKey);
    if (outcome.error) {
      this.#reportError(
        new TailslideError(
          TailslideErrorCode.invalidRule,
          `invalid rule for flag ${flagKey}: ${outcome.error.message}`,
          {
            flagKey,
          },
        ),
        false,
      );
    }
    if (!outcome.changed) return;
    if (this.#resync) this.#resync.changed.add(flagKey);
    else {
      this.#emit('changed', { flags: [flagKey] });
      this.#scheduleSnapshot();
    }
  }

  #onSynced(): void {
    if (this.#status === ManagerStatus.closed) return;
    const resync = this.#resync;
    this.#resync = null;
    if (resync) {
      for (const k of this.#store.retainOnly(resync.seen)) resync.changed.add(k);
      if (resync.changed.size > 0) this.#emit('changed', { flags: [...resync.changed] });
    }
    const was = this.#status;
    this.#status = ManagerStatus.ready;
    this.#scheduleSnapshot();
    this.#resolveReady?.();
    if (was !== ManagerStatus.ready) this.#emit('ready', { flags: this.#store.rules().length });
  }

  #onStale(error: TailslideError): void {
    if (this.#status === ManagerStatus.closed) return;
    this.#resync = null;
    this.#reportError(error);
    if (this.#status === ManagerStatus.ready) {
      this.#status = ManagerStatus.stale;
      this.#emit('stale', { reason: 'disconnected', error });
    }
  }

  #scheduleSnapshot(): void {
    if (!this.#snapshotFile || this.#snapshotTimer) return;
    this.#snapshotTimer = setTimeout(() => {
      this.#snapshotTimer = null;
      this.#saveSnapshot();
    }, SNAPSHOT_DEBOUNCE_MS);
    this.#snapshotTimer.unref();
  }

  #saveSnapshot(): void {
    const path = this.#snapshotFile;
    if (!path) return;
    const rules = this.#store.rules();
    this.#snapshotWrite = this.#snapshotWrite
      .then(() => writeSnapshotFile(path, this.#appId, rules))
      .catch((err: unknown) => {
        this.#reportError(
          toTailslideError(TailslideErrorCode.snapshotFailed, `cannot write snapshot ${path}`, err),
        );
      });
  }

  // Emits without letting a throwing listener break the SDK's own loops.
  #emit<K extends keyof FlagManagerEvents>(event: K, ...args: FlagManagerEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: FlagManagerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#logger.warn(`tailslide: a '${event}' listener threw`, err);
    }
  }

  #reportError(err: TailslideError, throttle = true): void {
    if (throttle) {
      const now = Date.now();
      const last = this.#lastErrorAt.get(err.code) ?? 0;
      if (now - last < ERROR_THROTTLE_MS) return;
      this.#lastErrorAt.set(err.code, now);
    }
    if (this.listenerCount('error') > 0) this.#emit('error', err);
    else this.#logger.warn(`tailslide: ${err.message}`);
  }
}
