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

/** `POST /api/apps/:appId/flags` body. */
export interface CreateFlagRequest {
  readonly key: string;
  readonly title: string;
  readonly description?: string;
  readonly active?: boolean;
  readonly rolloutPercentage?: number;
  readonly whitelist?: readonly string[];
  readonly circuit?: Partial<CircuitSettings>;
  readonly alertWebhookIds?: readonly string[];
}

/** `PATCH /api/apps/:appId/flags/:flagKey` body (on/off goes through {@link ToggleFlagRequest}). */
export interface UpdateFlagRequest {
  readonly title?: string;
  readonly description?: string;
  readonly rolloutPercentage?: number;
  readonly whitelist?: readonly string[];
  readonly circuit?: Partial<CircuitSettings>;
  readonly alertWebhookIds?: readonly string[];
  /** The version the edit is based on; a stale one answers 409 `version_conflict`. */
  readonly version?: number;
  /** Why, shown in the audit log (at most {@link MAX_REASON_LENGTH} characters). */
  readonly reason?: string;
}

/** `POST /api/apps/:appId/flags/:flagKey/toggle` body. */
export interface ToggleFlagRequest {
  readonly active: boolean;
  /** The version the change is based on; a stale one answers 409 `version_conflict`. */
  readonly version?: number;
  /** Why, shown in the audit log (at most {@link MAX_REASON_LENGTH} characters). */
  readonly reason?: string;
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

/**
 * Who did something, as a display string: a user's email, `token:<name>` for an API token, or
 * `airbag` for automatic circuit changes. Always derived from the authenticated identity.
 */
export type Actor = string;

/**
 * One changed field of an audited entity. Nested fields are dotted (`circuit.windowMs`); a
 * whitelist change is `whitelist.size` plus `whitelist.added` / `whitelist.removed` (the items,
 * first few only). Long strings and lists are shortened, so an entry stays small whatever the
 * entity's size; `before` is `null` for a created entity and `after` `null` for a deleted one.
 */
export interface AuditChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** One audit-log row. */
export interface AuditEntryDto {
  readonly id: string;
  readonly actor: Actor;
  readonly action: string;
  readonly entityType: 'app' | 'flag' | 'sdk_key' | 'webhook' | 'user' | 'api_token';
  readonly entityId: string;
  readonly appId: string | null;
  readonly flagKey: string | null;
  /** Only what changed (whole entities are not stored). */
  readonly changes: readonly AuditChange[];
  /** @deprecated Rows written before `changes` existed only; read {@link AuditEntryDto.changes}. */
  readonly before?: unknown;
  /** @deprecated Rows written before `changes` existed only; read {@link AuditEntryDto.changes}. */
  readonly after?: unknown;
  /** Why, as given with a toggle or an edit (at most 500 characters). */
  readonly reason: string | null;
  /** Tower's own id of the request that made the change (never a client-chosen one). */
  readonly requestId: string | null;
  readonly at: string;
}

/**
 * A page of a list endpoint. Every list (`/api/apps`, an app's flags, SDK keys, webhooks, users,
 * API tokens, logs) takes `?limit=` (1–200, default 50; logs and lists alike) and `?cursor=`
 * (the previous page's `nextCursor`) and answers this shape.
 */
export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque cursor for the next page, `null` at the end. */
  readonly nextCursor: string | null;
}

/** Largest `?limit=` a list endpoint accepts. */
export const MAX_PAGE_LIMIT = 200;
/** `?limit=` when none is given. */
export const DEFAULT_PAGE_LIMIT = 50;

/** What a role may do; each role includes the ones before it: `viewer` < `editor` < `admin`. */
export const Role = {
  /** Reads everything under /api except users and API tokens. */
  viewer: 'viewer',
  /** Viewer + writes on apps, flags and circuits (create, edit, toggle, delete). */
  editor: 'editor',
  /** Editor + users, API tokens, SDK keys and webhooks. */
  admin: 'admin',
} as const;
/** One of {@link Role}. */
export type Role = (typeof Role)[keyof typeof Role];

/** Roles from least to most powerful. */
export const ROLES: readonly Role[] = [Role.viewer, Role.editor, Role.admin];

/** Whether `role` includes everything `required` may do. */
export function roleAllows(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** Name of the session cookie (HttpOnly, SameSite=Lax, Path=/, Secure when the public URL is https). */
export const SESSION_COOKIE = 'tailslide_session';

/** Prefix of every API token secret (`Authorization: Bearer tst_…`). */
export const API_TOKEN_PREFIX = 'tst_';

/** A person who signs in to the dashboard (the password hash never leaves Tower). */
export interface UserDto {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly createdAt: string;
  readonly lastLoginAt: string | null;
}

/** `GET /api/session` and `POST /api/session` answer. */
export interface SessionDto {
  readonly user: UserDto;
}

/** `POST /api/session` body. */
export interface LoginRequest {
  readonly email: string;
  readonly password: string;
}

/** `PUT /api/session/password` body; other sessions of the user are revoked. */
export interface ChangePasswordRequest {
  readonly currentPassword: string;
  readonly newPassword: string;
}

/** Shortest password Tower accepts. */
export const MIN_PASSWORD_LENGTH = 12;

/** `POST /api/users` body. */
export interface CreateUserRequest {
  readonly email: string;
  readonly password: string;
  readonly role: Role;
}

/** `PATCH /api/users/:userId` body. */
export interface UpdateUserRequest {
  readonly role?: Role;
  readonly disabled?: boolean;
}

/** An API token as listed (its secret is shown once, at creation, and stored only hashed). */
export interface ApiTokenDto {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
  /** Email of the admin who created it. */
  readonly createdBy: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** `POST /api/tokens` body. */
export interface CreateApiTokenRequest {
  readonly name: string;
  readonly role: Role;
}

/** `POST /api/tokens` answer: `secret` (starts `tst_`) is shown this once. */
export interface CreatedApiTokenDto {
  readonly token: ApiTokenDto;
  readonly secret: string;
}

/** Optional reason accepted by the toggle and edit bodies. */
export const MAX_REASON_LENGTH = 500;

/** One arm's counts in one bucket of the time series. */
export interface TimeSeriesArmDto {
  readonly requests: number;
  readonly failures: number;
  /** `failures / requests × 100`, or `null` with no requests. */
  readonly errorRatePercentage: number | null;
}

/**
 * One bucket of the circuit-health time series. The top-level counts are the on-arm's (the flag
 * was on; every call of an SDK without arms); `off` is the off-arm (control, ADR 0009).
 */
export interface TimeSeriesPointDto {
  /** Bucket start (epoch ms). */
  readonly t: number;
  readonly requests: number;
  readonly failures: number;
  /** `failures / requests × 100`, or `null` with no requests. */
  readonly errorRatePercentage: number | null;
  /**
   * The highest on-arm error rate of any 1 s bucket inside this bucket holding at least
   * `TIMESERIES_PEAK_MIN_REQUESTS` requests (`null`: none did, or the 1 s buckets have expired).
   * For 1 s buckets it is the bucket's own rate. A burst that tripped a circuit in seconds stays
   * visible in the 1 h and 24 h views, where a minute's average hides it.
   */
  readonly peakErrorRatePercentage: number | null;
  /** The off-arm's counts, `null` when the bucket holds no off-arm request. */
  readonly off: TimeSeriesArmDto | null;
}

/** A 1 s bucket counts towards a minute's peak only with this many requests (one failed call is not a 100 % peak). */
export const TIMESERIES_PEAK_MIN_REQUESTS = 5;

/** What a mark on the circuit chart shows. `manual`: a person turned the flag on or off. */
export type TimeSeriesMarkKind = 'opened' | 'recovering' | 'step' | 'closed' | 'manual';

/** A circuit transition or manual change inside the shown window (from the audit log). */
export interface TimeSeriesMarkDto {
  /** When (epoch ms). */
  readonly t: number;
  readonly kind: TimeSeriesMarkKind;
  /** The audit action (`circuit.opened`, `flag.toggled_off`, …). */
  readonly action: string;
  /** Who: `airbag` or the person / token. */
  readonly actor: string;
  /** The audit entry's reason, if any. */
  readonly reason: string | null;
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
  /** Circuit transitions and manual on/off changes in the window, oldest first (at most 200). */
  readonly marks: readonly TimeSeriesMarkDto[];
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
  /** The app whose flags the key reads; `null` for a key from before keys were per app, or whose app was deleted. */
  readonly appId: string | null;
  /** First characters of the key (`tsk1.<appId>.<keyId>`), to tell keys apart. */
  readonly prefix: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  /** Why a key is unusable when Tower revoked it by itself (old format, app deleted). */
  readonly note: string | null;
}

/** Answer of creating an SDK key: the plaintext `key` is shown once and never again. */
export interface CreatedSdkKeyDto {
  readonly id: string;
  readonly name: string;
  readonly appId: string;
  readonly prefix: string;
  readonly createdAt: string;
  /** `tsk1.…`: pass as `new FlagManager({ sdkKey })`. */
  readonly key: string;
}
