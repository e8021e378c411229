import type { CircuitSettings, CircuitStatus } from './ruleset.js';

/**
 * Shapes of Tower's REST API (`/api`), shared by tower-server and tower-ui.
 * Successful responses are the resource itself (or `{ items, nextCursor }` for lists);
 * errors are {@link ApiErrorBody}.
 */

/** Error body of every 4xx/5xx answer. */
export interface ApiErrorBody {
  readonly error: {
    /** Stable machine code, e.g. `validation_failed`, `not_found`, `conflict`, `version_conflict`. */
    readonly code: string;
    /** Human-readable message, safe to show in the UI. */
    readonly message: string;
    /** Optional structured details (e.g. the failing fields). */
    readonly details?: unknown;
  };
}

/** An app. */
export interface AppDto {
  readonly id: string;
  readonly title: string;
  readonly flagCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A flag as the dashboard sees it (includes fields the SDK never receives). */
export interface FlagDto {
  readonly id: string;
  readonly appId: string;
  readonly key: string;
  readonly title: string;
  readonly description: string;
  readonly active: boolean;
  readonly rolloutPercentage: number;
  readonly whitelist: readonly string[];
  readonly circuit: CircuitSettings;
  readonly circuitStatus: CircuitStatus;
  /** Webhook ids subscribed to this flag's alerts (never the URLs' secrets). */
  readonly alertWebhookIds: readonly string[];
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Who did something: a user, Airbag, or the system. */
export type Actor = string;

/** One audit-log row. */
export interface AuditEntryDto {
  readonly id: string;
  readonly actor: Actor;
  readonly action: string;
  readonly entityType: 'app' | 'flag' | 'sdk_key' | 'webhook' | 'user';
  readonly entityId: string;
  readonly appId: string | null;
  readonly flagKey: string | null;
  readonly before: unknown;
  readonly after: unknown;
  readonly reason: string | null;
  readonly requestId: string | null;
  readonly at: string;
}

/** A page of results. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque cursor for the next page, `null` at the end. */
  readonly nextCursor: string | null;
}

/** One bucket of the circuit-health time series. */
export interface TimeSeriesPointDto {
  /** Bucket start (epoch ms). */
  readonly t: number;
  readonly requests: number;
  readonly failures: number;
  /** `failures / requests × 100`, or `null` with no requests. */
  readonly errorRatePercentage: number | null;
}
