import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  StandardResolutionReasons,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import { EvaluationReason, type EvaluationDetails } from './evaluate.js';
import { ManagerStatus, type FlagManager } from './flag-manager.js';
import type { Toggler } from './toggler.js';

/** Tracking event names that record a signal: `client.track('success', ctx, { flagKey })`. */
export const TrackingEvent = { success: 'success', failure: 'failure' } as const;

/** Options of {@link TailslideProvider}. */
export interface TailslideProviderOptions {
  /** Close the manager when OpenFeature closes the provider. @default true */
  readonly closeManager?: boolean | undefined;
}

function toResolution(d: EvaluationDetails, stale: boolean): ResolutionDetails<boolean> {
  const flagMetadata: Record<string, number> =
    d.ruleVersion === null ? {} : { ruleVersion: d.ruleVersion };
  switch (d.reason) {
    case EvaluationReason.flagNotFound:
      return {
        value: d.value,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.FLAG_NOT_FOUND,
        errorMessage: 'flag not found',
      };
    case EvaluationReason.invalidRule:
      return {
        value: d.value,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.PARSE_ERROR,
        errorMessage: 'the flag rule could not be parsed',
      };
    case EvaluationReason.error:
      return {
        value: d.value,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.GENERAL,
      };
    case EvaluationReason.disabled:
      return {
        value: d.value,
        reason: StandardResolutionReasons.DISABLED,
        variant: 'off',
        flagMetadata,
      };
    case EvaluationReason.whitelisted:
      return {
        value: d.value,
        reason: stale ? StandardResolutionReasons.STALE : StandardResolutionReasons.TARGETING_MATCH,
        variant: 'on',
        flagMetadata,
      };
    default:
      return {
        value: d.value,
        reason: stale ? StandardResolutionReasons.STALE : StandardResolutionReasons.SPLIT,
        variant: d.value ? 'on' : 'off',
        flagMetadata,
      };
  }
}

function typeMismatch<T>(defaultValue: T): Promise<ResolutionDetails<T>> {
  return Promise.resolve({
    value: defaultValue,
    reason: StandardResolutionReasons.ERROR,
    errorCode: ErrorCode.TYPE_MISMATCH,
    errorMessage: 'Tailslide flags are boolean',
  });
}

/** Togglers `track()` keeps; beyond it they are made again, so memory stays bounded. */
const MAX_TRACKED_TOGGLERS = 1024;

/**
 * OpenFeature server provider backed by a {@link FlagManager}: boolean flags resolve through the
 * same evaluator as `isFlagActive` (targetingKey = user id); manager events map to provider
 * events (`ready` → READY, `changed` → CONFIGURATION_CHANGED, `stale` → STALE, `error` → ERROR
 * only before the first ready); `track('success' | 'failure', ctx, { flagKey })` records signals.
 */
export class TailslideProvider implements Provider {
  readonly metadata = { name: 'tailslide' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly #manager: FlagManager;
  readonly #closeManager: boolean;
  readonly #togglers = new Map<string, Toggler>();

  constructor(manager: FlagManager, options?: TailslideProviderOptions) {
    this.#manager = manager;
    this.#closeManager = options?.closeManager ?? true;
    manager.on('ready', () => this.events.emit(ProviderEvents.Ready, {}));
    manager.on('changed', (e) =>
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: e.flags }),
    );
    manager.on('stale', (e) =>
      this.events.emit(ProviderEvents.Stale, { message: e.error?.message ?? e.reason }),
    );
    manager.on('error', (err) => {
      if (manager.status === ManagerStatus.notReady)
        this.events.emit(ProviderEvents.Error, { message: err.message });
    });
  }

  /** Rejects (provider ERROR) when no rules are available after `initTimeoutMs`; READY follows later. */
  async initialize(): Promise<void> {
    const result = await this.#manager.initialize();
    if (result.status === ManagerStatus.notReady) {
      throw new Error(
        'Tailslide: no ruleset yet (NATS unreachable and no snapshot); still retrying',
      );
    }
    if (result.status === ManagerStatus.stale) {
      queueMicrotask(() =>
        this.events.emit(ProviderEvents.Stale, { message: 'serving the snapshot file' }),
      );
    }
  }

  async onClose(): Promise<void> {
    if (this.#closeManager) await this.#manager.close();
  }

  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    const user = typeof context.targetingKey === 'string' ? context.targetingKey : undefined;
    const d = this.#manager.evaluate(flagKey, user, defaultValue);
    return Promise.resolve(toResolution(d, this.#manager.status === ManagerStatus.stale));
  }

  resolveStringEvaluation(
    _flagKey: string,
    defaultValue: string,
  ): Promise<ResolutionDetails<string>> {
    return typeMismatch(defaultValue);
  }

  resolveNumberEvaluation(
    _flagKey: string,
    defaultValue: number,
  ): Promise<ResolutionDetails<number>> {
    return typeMismatch(defaultValue);
  }

  resolveObjectEvaluation<T extends JsonValue>(
    _flagKey: string,
    defaultValue: T,
  ): Promise<ResolutionDetails<T>> {
    return typeMismatch(defaultValue);
  }

  /**
   * `track('success' | 'failure', context, { flagKey })` → `emitSuccess()` / `emitFailure()` on
   * that flag. Other event names, or a missing flag key, are ignored.
   */
  track(eventName: string, _context: EvaluationContext, details: TrackingEventDetails): void {
    if (eventName !== TrackingEvent.success && eventName !== TrackingEvent.failure) return;
    const flagKey = details?.flagKey ?? details?.flag;
    if (typeof flagKey !== 'string') return;
    let t = this.#togglers.get(flagKey);
    if (!t) {
      // Bounded whatever flag keys callers track: togglers are cheap to make again.
      if (this.#togglers.size >= MAX_TRACKED_TOGGLERS) this.#togglers.clear();
      t = this.#manager.newToggler({ flagName: flagKey });
      this.#togglers.set(flagKey, t);
    }
    if (eventName === TrackingEvent.success) t.emitSuccess();
    else t.emitFailure();
  }
}
