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

/** Windows the circuit-health time series can be asked for (`?window=`). */
export type TimeSeriesWindow = '30s' | '10m' | '1h' | '24h';

/** Answer of `GET /api/apps/:appId/flags/:flagKey/timeseries`. */
export interface TimeSeriesDto {
  readonly window: TimeSeriesWindow;
  /** Bucket width (ms) the points were read at. */
  readonly resolutionMs: number;
  /** The flag's `errorThresholdPercentage`, for drawing the trip line. */
  readonly thresholdPercentage: number;
  /** One point per bucket, oldest first. */
  readonly points: readonly TimeSeriesPointDto[];
}

/** A webhook as listed: its URL may carry a secret token, so only a masked form leaves Tower. */
export interface WebhookDto {
  readonly id: string;
  readonly name: string;
  readonly urlMasked: string;
  readonly createdAt: string;
}

/** Where an alert delivery stands: retried with backoff while `pending`. */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One alert delivery to a webhook (retried with backoff until delivered or given up). */
export interface WebhookDeliveryDto {
  readonly id: string;
  readonly webhookId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly appId: string;
  readonly flagKey: string;
  readonly status: WebhookDeliveryStatus;
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  /** When the next attempt is due; `null` unless `pending`. */
  readonly nextAttemptAt: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
}

/** An SDK key as listed (the secret itself is never listed). */
export interface SdkKeyDto {
  readonly id: string;
  readonly name: string;
  /** First characters of the key, to tell keys apart. */
  readonly prefix: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** Answer of creating an SDK key: the plaintext `key` is shown once and never again. */
export interface CreatedSdkKeyDto {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly key: string;
}
