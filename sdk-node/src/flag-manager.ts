import { EventEmitter } from 'node:events';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import {
  DEFAULT_FLAGS_BUCKET,
  DEFAULT_REDIS_PREFIX,
  isValidRedisPrefix,
  isValidToken,
  parseNatsServers,
  parseRedisClusterNodes,
  type FlagRule,
} from '@tailslide/contracts';
import { TailslideError, TailslideErrorCode, toTailslideError } from './errors.js';
import { evaluateDetailed, toUserId, type EvaluationDetails } from './evaluate.js';
import { FlagStore } from './flag-store.js';
import {
  MIN_FLUSH_INTERVAL_MS,
  MIN_RETRY_DELAY_MS,
  describeValue,
  isObject,
  loggerOption,
  nameOption,
  optionalString,
  timerOption,
  userIdOption,
} from './options.js';
import { RedisSignalWriter, type RedisClientLike } from './redis-signal-writer.js';
import { appIdFrom, sdkKeyOption } from './sdk-key-auth.js';
import { NatsRulesetSource, type RulesetSource } from './ruleset-source.js';
import { SignalSink, type SignalSinkStats, type SignalWriter } from './signal-sink.js';
import { SnapshotFile, type SnapshotContents } from './snapshot-file.js';
import { Toggler, type TogglerContext, type TogglerOptions } from './toggler.js';

/** Minimal logger (pino, console and most loggers fit). */
export interface TailslideLogger {
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

/** Options of {@link FlagManager}. */
export interface FlagManagerOptions {
  /**
   * Id of the app whose flags this manager serves, as Tower issues it (`POST /api/apps` returns
   * it; the dashboard shows it): a number such as `7`, or the same as a string (`'7'`).
   */
  readonly appId?: string | number | undefined;
  /**
   * The app's SDK key from Tower (`tsk1.…`, SDK keys page): the credentials NATS and Redis check.
   * It names its app, so `appId` may be left out (an `appId` naming another app is an
   * `invalid_config`). Required when NATS and Redis enforce keys (ADR 0007). @default none
   */
  readonly sdkKey?: string | undefined;
  /**
   * NATS server list — one URL or several separated by commas, as `NATS_URL` in Tower and Airbag
   * (the SDK opens, owns and closes the connection, reconnecting for ever) — or an existing
   * `NatsConnection` (left open on close). Optional only when `rulesetSource` is given.
   */
  readonly nats?: string | NatsConnection | undefined;
  /** Extra nats.js connection options when the SDK opens the connection (TLS, user, ...). @default none */
  readonly natsOptions?: Partial<NodeConnectionOptions> | undefined;
  /**
   * Redis URL (the SDK opens, owns and closes the client) or an existing node-redis v5/v6
   * client. Optional only when `signalWriter` is given.
   */
  readonly redis?: string | RedisClientLike | undefined;
  /**
   * Seed nodes of a Redis Cluster, as `REDIS_CLUSTER_NODES` of Tower and Airbag: node URLs
   * (`redis://host:port`) in a comma-separated string or an array. The SDK opens, owns and closes
   * a cluster client, signed in as the SDK key's Redis user on every node. Give this or `redis`,
   * not both (a node-redis cluster client you opened yourself goes in `redis`). @default none
   */
  readonly redisClusterNodes?: string | readonly string[] | undefined;
  /** Flags KV bucket. @default DEFAULT_FLAGS_BUCKET ('tailslide_flags') */
  readonly flagsBucket?: string | undefined;
  /** Prefix of the Redis keys signals are written to. @default DEFAULT_REDIS_PREFIX ('tailslide') */
  readonly redisPrefix?: string | undefined;
  /** User id used when `isFlagActive()` is called without one (a number is used as its decimal string). @default '' */
  readonly userContext?: string | number | undefined;
  /**
   * `initialize()` resolves after at most this long, whatever NATS, Redis, the logger or a custom
   * source or writer does (an integer from 1 to 2147483647). @default 5000
   */
  readonly initTimeoutMs?: number | undefined;
  /** Interval between signal flushes (an integer from 10 to 2147483647). @default 250 */
  readonly flushIntervalMs?: number | undefined;
  /** File where the last known rules are saved (atomically) and loaded from at start. @default none */
  readonly snapshotFile?: string | undefined;
  /**
   * Receives errors nobody listens to on the `error` event (throttled). A logger that throws is
   * ignored for that message: it never stops the SDK. @default console
   */
  readonly logger?: TailslideLogger | undefined;
  /** Pause between NATS (re)connect / (re)watch attempts (an integer from 100 to 2147483647). @default 1000 */
  readonly retryDelayMs?: number | undefined;
  /**
   * How often the KV watch's consumer is checked (an integer from 100 to 2147483647): with a
   * NATS cluster, a server that dies holding it is noticed within about twice this. @default 5000
   */
  readonly watchCheckMs?: number | undefined;
  /** Replaces the NATS KV source (see `@tailslide/sdk-node/testing`). @default NATS KV watcher */
  readonly rulesetSource?: RulesetSource | undefined;
  /** Replaces the Redis signal writer (closed by `close()`, like `rulesetSource`). @default RedisSignalWriter */
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
  /**
   * NATS refused the SDK key (revoked in Tower, or made up): serving the last known rules (or
   * defaults), retrying in the background.
   */
  unauthorized: 'unauthorized',
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

/** Payload of the `unauthorized` event: NATS or Redis refused the SDK key. */
export interface UnauthorizedEvent {
  /**
   * Who refused it: `nats` (status `unauthorized`: rules are no longer live) or `redis`
   * (`signalStatus` `unauthorized`: signals are dropped; rules are unaffected).
   */
  readonly service: 'nats' | 'redis';
  /** `unauthorized` (NATS) or `redis_unauthorized`. */
  readonly error: TailslideError;
}

/** Whether Redis takes this SDK's signals: `unauthorized` while it refuses the SDK key. */
export type SignalStatus = 'ok' | 'unauthorized';

/** Events of {@link FlagManager}. */
export interface FlagManagerEvents {
  ready: [ReadyEvent];
  changed: [ChangedEvent];
  stale: [StaleEvent];
  /**
   * NATS (status `unauthorized`) or Redis (`signalStatus` `unauthorized`) refused the SDK key;
   * once per refusal. The last known rules keep being served.
   */
  unauthorized: [UnauthorizedEvent];
  error: [TailslideError];
}

/** Status of one flag, for monitoring (see `manager.flagStatus()`). */
export interface FlagStatus {
  readonly flagKey: string;
  /** Version of the rule in force, `null` when the app has no usable rule for this key. */
  readonly version: number | null;
  /**
   * Set while the newest entry for this flag could not be parsed: the flag keeps serving the
   * rule of `version` (its last good rule), or the caller's default when it never had one.
   */
  readonly invalid: { readonly version: number | null; readonly message: string } | null;
}

/** Counters for monitoring. */
export interface ManagerStats extends SignalSinkStats {
  readonly status: ManagerStatus;
  /** `unauthorized` while Redis refuses the SDK key (signals are dropped). */
  readonly signalStatus: SignalStatus;
  readonly flags: number;
}

const ERROR_THROTTLE_MS = 5000;
/** How long `close()` waits for a source or writer to close before going on without it. */
const CLOSE_GRACE_MS = 500;
/** How many unknown flag names one warning lists. */
const UNKNOWN_FLAGS_LISTED = 5;

const consoleLogger: TailslideLogger = {
  warn: (m, ...r) => console.warn(m, ...r),
  error: (m, ...r) => console.error(m, ...r),
};

function invalidConfig(message: string): TailslideError {
  return new TailslideError(TailslideErrorCode.invalidConfig, message);
}

/**
 * Serves the flags of one app from memory: rules arrive from the NATS KV (initial load, then live
 * updates), evaluation is local and synchronous, signals are aggregated and flushed to Redis.
 * Infrastructure trouble never throws: it is reported through `error` / `stale` events.
 */
export class FlagManager extends EventEmitter<FlagManagerEvents> {
  readonly #appId: string;
  readonly #userContext: string;
  readonly #initTimeoutMs: number;
  readonly #snapshot: SnapshotFile | null;
  readonly #logger: TailslideLogger;
  readonly #store: FlagStore;
  readonly #source: RulesetSource;
  readonly #writer: SignalWriter;
  readonly #sink: SignalSink;
  readonly #togglerContext: TogglerContext;
  #status: ManagerStatus = ManagerStatus.notReady;
  #signalStatus: SignalStatus = 'ok';
  #init: Promise<InitializeResult> | null = null;
  #resolveReady: (() => void) | null = null;
  #resync: { seen: Set<string>; circuits: Set<string>; changed: Set<string> } | null = null;
  #lastErrorAt = new Map<string, number>();
  #closing: Promise<void> | null = null;

  /** Validates every option once; throws a `TailslideError` (`invalid_config`) naming the bad one. */
  constructor(options: FlagManagerOptions) {
    super();
    if (!isObject(options))
      throw invalidConfig('new FlagManager(options): options must be an object');
    const o = options as Partial<FlagManagerOptions>;
    const key = sdkKeyOption(o.sdkKey);
    this.#appId = appIdFrom(o.appId, key);
    if (o.nats === undefined && o.rulesetSource === undefined) {
      throw invalidConfig(
        'nats (a server list like nats://host:4222, or a connection) is required',
      );
    }
    if (
      o.nats !== undefined &&
      !isObject(o.nats) &&
      (typeof o.nats !== 'string' || parseNatsServers(o.nats).length === 0)
    ) {
      throw invalidConfig(
        `nats must be a server list (nats://host:4222, several separated by commas) or a NatsConnection; got ${describeValue(o.nats)}`,
      );
    }
    if (o.redis !== undefined && o.redisClusterNodes !== undefined) {
      throw invalidConfig(
        'give redis (one Redis server, or a client) or redisClusterNodes (a Redis Cluster), not both',
      );
    }
    if (o.redisClusterNodes !== undefined) {
      const nodes = o.redisClusterNodes as unknown;
      const parsed =
        typeof nodes === 'string' ||
        (Array.isArray(nodes) && nodes.every((n) => typeof n === 'string'))
          ? parseRedisClusterNodes(nodes)
          : {
              ok: false as const,
              error: `must be a string or an array of strings; got ${describeValue(nodes)}`,
            };
      if (!parsed.ok) throw invalidConfig(`redisClusterNodes ${parsed.error}`);
    }
    if (
      o.redis === undefined &&
      o.redisClusterNodes === undefined &&
      o.signalWriter === undefined
    ) {
      throw invalidConfig('redis (a URL like redis://host:6379, or a client) is required');
    }
    if (
      o.redis !== undefined &&
      !isObject(o.redis) &&
      (typeof o.redis !== 'string' || o.redis === '')
    ) {
      throw invalidConfig(
        `redis must be a URL (redis://host:6379) or a node-redis client; got ${describeValue(o.redis)}`,
      );
    }
    const flushIntervalMs = timerOption(
      'flushIntervalMs',
      o.flushIntervalMs,
      250,
      MIN_FLUSH_INTERVAL_MS,
    );
    const retryDelayMs = timerOption('retryDelayMs', o.retryDelayMs, 1000, MIN_RETRY_DELAY_MS);
    this.#initTimeoutMs = timerOption('initTimeoutMs', o.initTimeoutMs, 5000, 1);
    this.#userContext = userIdOption(o.userContext);
    this.#logger = loggerOption(o.logger) ?? consoleLogger;
    const flagsBucket = nameOption('flagsBucket', o.flagsBucket, DEFAULT_FLAGS_BUCKET);
    const redisPrefix = nameOption('redisPrefix', o.redisPrefix, DEFAULT_REDIS_PREFIX);
    if (!isValidRedisPrefix(redisPrefix))
      throw invalidConfig(
        `redisPrefix must be 1-64 letters, digits, '_', '-' or '.' (no braces: keys carry a {appId} hash tag); got ${describeValue(redisPrefix)}`,
      );
    const snapshotFile = optionalString('snapshotFile', o.snapshotFile);
    if (o.natsOptions !== undefined && !isObject(o.natsOptions))
      throw invalidConfig('natsOptions must be an object of nats.js connection options');
    if (o.rulesetSource !== undefined && !isObject(o.rulesetSource))
      throw invalidConfig('rulesetSource must be an object with start() and close()');
    if (o.signalWriter !== undefined && !isObject(o.signalWriter))
      throw invalidConfig('signalWriter must be an object with write()');

    this.#store = new FlagStore(this.#appId);
    this.#source =
      o.rulesetSource ??
      new NatsRulesetSource({
        appId: this.#appId,
        nats: o.nats as string | NatsConnection,
        bucket: flagsBucket,
        sdkKey: key,
        natsOptions: o.natsOptions,
        retryDelayMs,
        watchCheckMs: o.watchCheckMs,
      });
    this.#writer =
      o.signalWriter ??
      new RedisSignalWriter({
        redis: o.redis,
        clusterNodes: o.redisClusterNodes,
        prefix: redisPrefix,
        sdkKey: o.sdkKey,
      });
    this.#snapshot = snapshotFile
      ? new SnapshotFile({
          path: snapshotFile,
          appId: this.#appId,
          rules: () => this.#store.rules(),
          onError: (message, err) =>
            this.#reportError(toTailslideError(TailslideErrorCode.snapshotFailed, message, err)),
        })
      : null;
    this.#sink = new SignalSink({
      appId: this.#appId,
      writer: this.#writer,
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
    this.#togglerContext = {
      slot: (flagKey) => this.#store.slot(flagKey),
      sink: this.#sink,
      defaultUser: this.#userContext,
      reportInvalidArgument: (flagKey, message) => {
        if (!this.#due(TailslideErrorCode.invalidArgument)) return;
        this.#reportError(
          new TailslideError(TailslideErrorCode.invalidArgument, message, { flagKey }),
          false,
        );
      },
    };
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
   * Whether Redis takes this SDK's signals: `unauthorized` from Redis refusing the SDK key
   * (`WRONGPASS`, `NOPERM`, its user deleted on revocation) until a sign-in or write succeeds.
   * Rules are served either way.
   */
  get signalStatus(): SignalStatus {
    return this.#signalStatus;
  }

  /**
   * Loads the snapshot file (if configured), starts watching NATS and flushing signals. Resolves
   * once the full ruleset is loaded or after `initTimeoutMs`, whichever comes first, whatever the
   * source, writer, logger or snapshot file do; never rejects. Idempotent; after `close()` it
   * resolves at once with status `closed`.
   */
  initialize(): Promise<InitializeResult> {
    if (this.#status === ManagerStatus.closed) return Promise.resolve(this.#result());
    this.#init ??= this.#initialize();
    return this.#init;
  }

  #result(): InitializeResult {
    return { status: this.#status, flags: this.#store.rules().length };
  }

  async #initialize(): Promise<InitializeResult> {
    const ready = new Promise<void>((resolve) => {
      this.#resolveReady = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    // Ref'd on purpose: the caller awaits this promise, so the process must live until it
    // settles, even when nothing else (a custom writer, NATS retrying on unref'd timers) holds it.
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#initTimeoutMs);
    });
    const start = this.#start(timeout).catch((err: unknown) => {
      this.#reportError(
        toTailslideError(TailslideErrorCode.natsUnavailable, 'initialize failed', err),
      );
    });
    await Promise.race([start.then(() => ready), timeout]);
    clearTimeout(timer);
    return this.#result();
  }

  async #start(timeout: Promise<void>): Promise<void> {
    // A snapshot read that outlasts initTimeoutMs (a hung disk, a FIFO) is given up: NATS must
    // start anyway, and rules read that late would only compete with live ones.
    if (this.#snapshot) {
      const snapshot = this.#snapshot;
      const read = snapshot.load();
      const snap = await Promise.race([read, timeout.then(() => null)]);
      if (snap) this.#applySnapshot(snap);
      else
        void read.then(
          (late) =>
            late &&
            this.#reportError(
              toTailslideError(
                TailslideErrorCode.snapshotFailed,
                `snapshot ${snapshot.path} read after initTimeoutMs, ignored`,
                'too slow',
              ),
            ),
        );
    }
    if (this.#status === ManagerStatus.closed) return;
    this.#sink.start();
    try {
      this.#writer.start?.({
        onError: (err) => this.#guard(() => this.#onWriterError(err)),
        onAccepted: () => {
          this.#signalStatus = 'ok';
        },
      });
    } catch (err) {
      this.#reportError(
        toTailslideError(TailslideErrorCode.redisUnavailable, 'signal writer failed to start', err),
      );
    }
    this.#source.start({
      onResync: () => this.#guard(() => this.#onResync()),
      onEntry: (key, value, revision) => this.#guard(() => this.#onEntry(key, value, revision)),
      onCircuit: (key, value, revision) => this.#guard(() => this.#onCircuit(key, value, revision)),
      onSynced: () => this.#guard(() => this.#onSynced()),
      onStale: (err) => this.#guard(() => this.#onStale(err)),
    });
  }

  /**
   * A toggler for one flag: `newToggler({ flagName: 'new-checkout' })` or
   * `newToggler('new-checkout')`. Cheap; keep it and reuse it on the hot path. Never throws: a
   * missing or malformed flag name is reported and gives a toggler that serves its default.
   */
  newToggler(options: TogglerOptions | string): Toggler {
    let flagName = '';
    let defaultValue: unknown;
    try {
      if (typeof options === 'string') flagName = options;
      else if (isObject(options)) {
        const name: unknown = (options as { flagName?: unknown }).flagName;
        if (typeof name === 'string' || typeof name === 'number') flagName = String(name);
        defaultValue = (options as { defaultValue?: unknown }).defaultValue;
      }
    } catch {
      // a throwing getter: handled as a missing name
    }
    if (!isValidToken(flagName) && this.#due(TailslideErrorCode.invalidArgument)) {
      this.#reportError(
        new TailslideError(
          TailslideErrorCode.invalidArgument,
          `newToggler() needs a flag key ([A-Za-z0-9_-]{1,64}), as newToggler('new-checkout') or newToggler({ flagName: 'new-checkout' }); got ${describeValue(flagName || options)}: this toggler serves its default`,
        ),
        false,
      );
    }
    const toggler = new Toggler(
      flagName,
      this.#togglerContext,
      this.#defaultValue(defaultValue, flagName),
    );
    if (this.#status === ManagerStatus.ready && isValidToken(flagName)) {
      const slot = this.#store.slot(flagName);
      if (!slot.flag && !slot.invalid && this.#due(TailslideErrorCode.unknownFlag))
        this.#reportUnknownFlags([flagName]);
    }
    return toggler;
  }

  #defaultValue(value: unknown, flagKey: string): boolean {
    if (value === undefined || value === true || value === false) return value === true;
    if (!this.#due(TailslideErrorCode.invalidArgument)) return false;
    this.#reportError(
      new TailslideError(
        TailslideErrorCode.invalidArgument,
        `defaultValue must be a boolean; got ${describeValue(value)} for ${flagKey}: using false`,
        { flagKey },
      ),
      false,
    );
    return false;
  }

  /** Evaluates `flagKey` for a user with the reason. Never throws. */
  evaluate(flagKey: string, userContext?: string, defaultValue = false): EvaluationDetails {
    try {
      const fallback = this.#defaultValue(defaultValue, String(flagKey));
      const slot = this.#store.peek(flagKey);
      const user = userContext === undefined ? this.#userContext : toUserId(userContext);
      return evaluateDetailed(slot?.flag, user, fallback, slot?.invalid != null);
    } catch {
      return evaluateDetailed(null, '', defaultValue === true);
    }
  }

  /** Status of one flag: the rule version in force and whether its newest entry was rejected. */
  flagStatus(flagKey: string): FlagStatus {
    const slot = this.#store.peek(flagKey);
    const invalid = slot?.invalid ?? null;
    return {
      flagKey,
      version: slot?.flag?.rule.version ?? null,
      invalid: invalid && { version: invalid.version, message: invalid.message },
    };
  }

  /** The rules currently in force (copies of the parsed KV values). */
  rules(): FlagRule[] {
    return this.#store.rules();
  }

  /** Counters for monitoring (signals written / dropped, flushes, status). */
  stats(): ManagerStats {
    return {
      ...this.#sink.stats,
      status: this.#status,
      signalStatus: this.#signalStatus,
      flags: this.#store.rules().length,
    };
  }

  /** Flushes aggregated signals now (tests use it instead of waiting). Never rejects. */
  flush(): Promise<void> {
    return this.#sink.flush();
  }

  /**
   * Flushes signals, saves the snapshot, stops watching and closes what the SDK opened (a custom
   * `rulesetSource` / `signalWriter` is closed too). Never rejects.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close().catch((err: unknown) => {
      this.#log('tailslide: error while closing', err);
    });
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#status = ManagerStatus.closed;
    this.#resolveReady?.();
    this.#sink.stop();
    await this.#settle(() => this.#source.close());
    await this.#sink.flush();
    if (this.#snapshot) await this.#snapshot.close();
    await this.#settle(() => this.#writer.close?.());
  }

  // Closes a (possibly user-supplied) part: a throw, a rejection or a hang never stops close().
  async #settle(fn: () => Promise<unknown> | undefined): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        fn(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_GRACE_MS);
          timer.unref();
        }),
      ]);
    } catch {
      // closing goes on
    } finally {
      clearTimeout(timer);
    }
  }

  #applySnapshot(snap: SnapshotContents): void {
    for (const rule of snap.rules) this.#store.applyRule(rule, 0);
    if (snap.rules.length > 0 && this.#status === ManagerStatus.notReady) {
      this.#status = ManagerStatus.stale;
      this.#emit('stale', { reason: 'snapshot' });
      this.#emit('changed', { flags: snap.rules.map((r) => r.flagKey) });
    }
  }

  // Source callbacks must not throw (a throw would break the source's loop); this makes sure.
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log('tailslide: internal error while applying rules', err);
    }
  }

  #onResync(): void {
    this.#resync = { seen: new Set(), circuits: new Set(), changed: new Set() };
  }

  #onEntry(flagKey: string, value: unknown, revision: number): void {
    if (this.#status === ManagerStatus.closed) return;
    const outcome =
      value === null
        ? this.#store.applyDelete(flagKey, revision)
        : this.#store.applyValue(flagKey, value, revision);
    if (this.#resync && value !== null) this.#resync.seen.add(flagKey);
    if (outcome.error) {
      const kept = this.#store.peek(flagKey)?.flag?.rule.version;
      this.#reportError(
        new TailslideError(
          TailslideErrorCode.invalidRule,
          `invalid rule for flag ${flagKey}: ${outcome.error.message}` +
            (kept === undefined ? '' : ` (still serving version ${kept})`),
          { flagKey },
        ),
        false,
      );
    }
    if (!outcome.changed) return;
    if (this.#resync) this.#resync.changed.add(flagKey);
    else {
      this.#emit('changed', { flags: [flagKey] });
      this.#snapshot?.schedule();
    }
  }

  /** Airbag's circuit state for a flag (ADR 0008): combined with the flag's rule. */
  #onCircuit(flagKey: string, value: unknown, revision: number): void {
    if (this.#status === ManagerStatus.closed) return;
    const outcome = this.#store.applyCircuit(flagKey, value, revision);
    if (this.#resync && value !== null) this.#resync.circuits.add(flagKey);
    if (outcome.error) {
      this.#reportError(
        new TailslideError(
          TailslideErrorCode.invalidRule,
          `invalid circuit state for flag ${flagKey}: ${outcome.error.message} (ignored)`,
          { flagKey },
        ),
        false,
      );
    }
    if (!outcome.changed) return;
    if (this.#resync) this.#resync.changed.add(flagKey);
    else {
      this.#emit('changed', { flags: [flagKey] });
      this.#snapshot?.schedule();
    }
  }

  #onSynced(): void {
    if (this.#status === ManagerStatus.closed) return;
    const resync = this.#resync;
    this.#resync = null;
    if (resync) {
      for (const k of this.#store.retainOnly(resync.seen)) resync.changed.add(k);
      for (const k of this.#store.retainCircuits(resync.circuits)) resync.changed.add(k);
      if (resync.changed.size > 0) this.#emit('changed', { flags: [...resync.changed] });
    }
    const was = this.#status;
    this.#status = ManagerStatus.ready;
    this.#snapshot?.schedule();
    this.#resolveReady?.();
    if (was === ManagerStatus.ready) return;
    const flags = this.#store.rules().length;
    this.#emit('ready', { flags });
    if (flags === 0) {
      this.#reportError(
        new TailslideError(
          TailslideErrorCode.noFlags,
          `app ${this.#appId} has no flags: is appId the id Tower shows for the app? (or create a flag)`,
        ),
      );
    } else {
      const unknown = this.#store.unknownKeys(UNKNOWN_FLAGS_LISTED);
      if (unknown.length > 0 && this.#due(TailslideErrorCode.unknownFlag))
        this.#reportUnknownFlags(unknown);
    }
  }

  #reportUnknownFlags(keys: string[]): void {
    const names = keys.map((k) => `'${k}'`).join(', ');
    this.#reportError(
      new TailslideError(
        TailslideErrorCode.unknownFlag,
        `app ${this.#appId} has no flag ${names}: togglers serve their default (check the flag key in Tower)`,
        keys.length === 1 ? { flagKey: keys[0] } : undefined,
      ),
      false,
    );
  }

  #onStale(error: TailslideError): void {
    if (this.#status === ManagerStatus.closed) return;
    this.#resync = null;
    if (error.code === TailslideErrorCode.unauthorized) {
      this.#onUnauthorized(error);
      return;
    }
    this.#reportError(error);
    if (this.#status === ManagerStatus.ready) {
      this.#status = ManagerStatus.stale;
      this.#emit('stale', { reason: 'disconnected', error });
    }
  }

  // NATS refused the key (revoked in Tower, made up): say so once per refusal, keep serving.
  #onUnauthorized(error: TailslideError): void {
    this.#reportError(error);
    if (this.#status === ManagerStatus.unauthorized) return;
    this.#status = ManagerStatus.unauthorized;
    this.#emit('unauthorized', { service: 'nats', error });
  }

  // The writer's trouble; Redis refusing the key is also a status and an event, once per refusal
  // (the writer reports one error per episode and drops signals fast meanwhile).
  #onWriterError(error: TailslideError): void {
    if (this.#status === ManagerStatus.closed) return;
    this.#reportError(error);
    if (error.code !== TailslideErrorCode.redisUnauthorized) return;
    if (this.#signalStatus === 'unauthorized') return;
    this.#signalStatus = 'unauthorized';
    this.#emit('unauthorized', { service: 'redis', error });
  }

  // Emits without letting a throwing listener break the SDK's own loops.
  #emit<K extends keyof FlagManagerEvents>(event: K, ...args: FlagManagerEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: FlagManagerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#log(`tailslide: a '${event}' listener threw`, err);
    }
  }

  // The one way the SDK writes to the logger: a logger that throws loses that line, nothing else.
  #log(message: string, detail?: unknown): void {
    try {
      if (detail === undefined) this.#logger.warn(message);
      else this.#logger.warn(message, detail);
    } catch {
      // the logger is broken; the SDK goes on
    }
  }

  // Whether a report of `code` is due (at most one per code every ERROR_THROTTLE_MS); checked
  // before building an error where reports can come by the thousand.
  #due(code: TailslideErrorCode): boolean {
    const now = Date.now();
    const last = this.#lastErrorAt.get(code) ?? 0;
    if (now - last < ERROR_THROTTLE_MS) return false;
    this.#lastErrorAt.set(code, now);
    return true;
  }

  #reportError(err: TailslideError, throttle = true): void {
    if (throttle && !this.#due(err.code)) return;
    if (this.listenerCount('error') > 0) this.#emit('error', err);
    else this.#log(`tailslide: ${err.message}`);
  }
}
