/**
 * Tailslide Node SDK: flags evaluated in memory from rules watched in NATS KV; success/failure
 * signals aggregated in memory and flushed to Redis for Airbag's circuit breaker.
 * The OpenFeature provider lives at `@tailslide/sdk-node/openfeature`, test helpers at
 * `@tailslide/sdk-node/testing`, so neither pulls optional dependencies into this entry point.
 */

/** Serves one app's flags; see {@link FlagManagerOptions} for every option and default. */
export { FlagManager } from './flag-manager.js';
/** Lifecycle status of a FlagManager: `not_ready`, `ready`, `stale`, `unauthorized`, `closed`. */
export { ManagerStatus } from './flag-manager.js';
/**
 * Types of the manager: options (each with its `@default`), events and their payloads, stats, and
 * the per-flag status of `flagStatus()`.
 */
export type {
  FlagManagerOptions,
  FlagManagerEvents,
  InitializeResult,
  ReadyEvent,
  ChangedEvent,
  StaleEvent,
  UnauthorizedEvent,
  SignalStatus,
  ManagerStats,
  FlagStatus,
  TailslideLogger,
} from './flag-manager.js';
/** A handle on one flag: `isFlagActive`, `evaluate`, `emitSuccess`, `emitFailure`, `run`. */
export { Toggler } from './toggler.js';
/**
 * Options of `newToggler()` (`defaultValue` @default false) and of `run()` (`timeoutMs`,
 * `fallback`, `classify` @default none; `arm` @default 'on'), and what a `classify` returns.
 */
export type { TogglerOptions, RunOptions, RunOutcome } from './toggler.js';
/** Why an evaluation returned what it did. */
export { EvaluationReason } from './evaluate.js';
/** Result of `toggler.evaluate()` / `manager.evaluate()`. */
export type { EvaluationDetails } from './evaluate.js';
/** The SDK's error type and its codes (reported through the `error` event, never thrown by evaluation). */
export { TailslideError, TailslideErrorCode } from './errors.js';
/** Where rules come from; implement it to feed rules from elsewhere (the default watches NATS KV). */
export type { RulesetSource, RulesetListener } from './ruleset-source.js';
/** The NATS KV watcher used by default (exported for custom wiring). */
export { NatsRulesetSource } from './ruleset-source.js';
/** Options of NatsRulesetSource (`retryDelayMs` @default 1000). */
export type { NatsRulesetSourceOptions } from './ruleset-source.js';
/** Where signal batches go; implement it for another store (e.g. RedisTimeSeries). */
export type {
  SignalWriter,
  SignalWriterListener,
  SignalBatch,
  SignalBatchEntry,
  SignalSinkStats,
} from './signal-sink.js';
/**
 * The default signal writer: plain-Redis HINCRBY + PEXPIRE hashes, one pipeline per flush. Given a
 * URL it opens, owns and closes its client; a client you pass is left open.
 */
export { RedisSignalWriter } from './redis-signal-writer.js';
/** What the Redis writer needs from a client (a node-redis v5/v6 client fits). `resolutions` @default SIGNAL_RESOLUTIONS. */
export type {
  RedisClientLike,
  RedisPipelineLike,
  RedisSignalWriterOptions,
} from './redis-signal-writer.js';
