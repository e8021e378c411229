/**
 * Every NATS subject, KV bucket/key, JetStream stream/consumer and Redis key in Tailslide is
 * built here. No other package writes one of these as a string literal.
 */

/** Allowed characters for app ids and flag keys: they become KV key and subject tokens. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** True when `value` can be used as an app id or flag key (`[A-Za-z0-9_-]`, 1–64 chars). */
export function isValidToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

/** Default name of the NATS KV bucket holding one entry per flag. @default 'tailslide_flags' */
export const DEFAULT_FLAGS_BUCKET = 'tailslide_flags';

/** Default name of the NATS KV bucket Airbag uses for its leader lease. @default 'tailslide_airbag' */
export const DEFAULT_AIRBAG_BUCKET = 'tailslide_airbag';

/** KV key of the Airbag leader lease inside the Airbag bucket. */
export const AIRBAG_LEADER_KEY = 'leader';

/** Default JetStream stream for circuit events. @default 'TAILSLIDE_CIRCUITS' */
export const DEFAULT_CIRCUIT_STREAM = 'TAILSLIDE_CIRCUITS';

/** Default durable consumer through which Tower applies circuit events. */
export const DEFAULT_TOWER_CIRCUIT_CONSUMER = 'tower-circuit-events';

/** Default prefix of every Redis key Tailslide writes. @default 'tailslide' */
export const DEFAULT_REDIS_PREFIX = 'tailslide';

/** KV key of one flag: `apps.<appId>.flags.<flagKey>`. */
export function flagKvKey(appId: string, flagKey: string): string {
  return `apps.${appId}.flags.${flagKey}`;
}

/** KV watch filter for every flag of one app: `apps.<appId>.flags.>`. */
export function appFlagsKvFilter(appId: string): string {
  return `apps.${appId}.flags.>`;
}

/** KV watch filter for every flag of every app (Airbag, the reconciler). */
export const ALL_FLAGS_KV_FILTER = 'apps.*.flags.*';

/** Splits a flag KV key back into its app id and flag key; `null` for anything else. */
export function parseFlagKvKey(key: string): { appId: string; flagKey: string } | null {
  const parts = key.split('.');
  if (parts.length !== 4 || parts[0] !== 'apps' || parts[2] !== 'flags') return null;
  const appId = parts[1] as string;
  const flagKey = parts[3] as string;
  if (!isValidToken(appId) || !isValidToken(flagKey)) return null;
  return { appId, flagKey };
}

/**
 * KV key of one flag's circuit state, written by Airbag beside the flag's rule (ADR 0007 / issue
 * 11): `apps.<appId>.circuits.<flagKey>`. SDKs watch {@link appKvFilter} and combine the two.
 */
export function circuitKvKey(appId: string, flagKey: string): string {
  return `apps.${appId}.circuits.${flagKey}`;
}

/** KV watch filter for everything an app's SDKs read (rules and circuit state): `apps.<appId>.>`. */
export function appKvFilter(appId: string): string {
  return `apps.${appId}.>`;
}

/**
 * Inbox prefix of the SDK connection of one key: `_INBOX.sdk<keyId>`. The key's NATS user may
 * subscribe below it only, so no SDK can read what is delivered to another client (ADR 0007).
 */
export function sdkInboxPrefix(keyId: string): string {
  return `_INBOX.sdk${keyId}`;
}

/** KV filter for the circuit state of every flag of every app. */
export const ALL_CIRCUITS_KV_FILTER = 'apps.*.circuits.*';

/** Splits a circuit-state KV key back into its app id and flag key; `null` for anything else. */
export function parseCircuitKvKey(key: string): { appId: string; flagKey: string } | null {
  const parts = key.split('.');
  if (parts.length !== 4 || parts[0] !== 'apps' || parts[2] !== 'circuits') return null;
  const appId = parts[1] as string;
  const flagKey = parts[3] as string;
  if (!isValidToken(appId) || !isValidToken(flagKey)) return null;
  return { appId, flagKey };
}

/**
 * NATS subject on which the Towers of one platform share dashboard events, so a change made
 * through one Tower reaches dashboards connected to another: `tailslide.feed.<flagsBucket>`, so
 * two platforms on one NATS (each with its own flags bucket) never see each other's changes.
 * `TAILSLIDE_FEED_SUBJECT` overrides it.
 */
export function feedSubject(flagsBucket: string): string {
  return `tailslide.feed.${flagsBucket}`;
}

/** Root of every circuit-event subject. */
export const CIRCUIT_SUBJECT_ROOT = 'tailslide.circuit';

/** Subjects captured by the circuit-event stream: `tailslide.circuit.>`. */
export function circuitStreamSubjects(root: string = CIRCUIT_SUBJECT_ROOT): string[] {
  return [`${root}.>`];
}

/**
 * Subject of one circuit event: `tailslide.circuit.<appId>.<flagKey>.<opened|recovering|step|closed>`.
 * `type` is the event type without its `circuit.` prefix.
 */
export function circuitEventSubject(
  appId: string,
  flagKey: string,
  type: 'opened' | 'recovering' | 'step' | 'closed',
  root: string = CIRCUIT_SUBJECT_ROOT,
): string {
  return `${root}.${appId}.${flagKey}.${type}`;
}

/**
 * Redis Cluster hash tag of one app, `{<appId>}` (ADR 0007, "Redis Cluster"). Every Redis key of an
 * app carries it, so all of them hash to one slot: the SDK's pipeline of an app's buckets goes to
 * one node, and a script or multi-key command over an app's keys never spans slots. On a single
 * Redis the braces are just characters of the key.
 */
export function redisAppHashTag(appId: string): string {
  return `{${appId}}`;
}

/**
 * Redis hash holding the success/failure counts of every flag of one app for one time bucket:
 * `<prefix>:sig:{<appId>}:<resolutionMs>:<bucketStartMs>`. Fields come from {@link signalField}.
 * All SDK instances of an app increment the same hash, so counts aggregate across the fleet. The
 * app id is the key's hash tag ({@link redisAppHashTag}): a prefix must not contain `{` or `}`
 * ({@link isValidRedisPrefix}), or the tag would be the prefix's.
 */
export function signalBucketKey(
  prefix: string,
  appId: string,
  resolutionMs: number,
  bucketStartMs: number,
): string {
  return `${prefix}:sig:${redisAppHashTag(appId)}:${resolutionMs}:${bucketStartMs}`;
}

/** Allowed Redis key prefixes: no hash-tag braces, no glob characters, no `:` or spaces. */
export const REDIS_PREFIX_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** True when `prefix` can prefix Tailslide's Redis keys and ACL users ({@link REDIS_PREFIX_PATTERN}). */
export function isValidRedisPrefix(prefix: string): boolean {
  return REDIS_PREFIX_PATTERN.test(prefix);
}

/**
 * Hash field of one flag's count inside a signal bucket. The on-arm keeps the original fields,
 * `<flagKey>:s` / `<flagKey>:f` (what every SDK wrote before arms existed, so old writers count as
 * on-arm); the off-arm (control, ADR 0009) adds `<flagKey>:os` / `<flagKey>:of`, which readers
 * older than arms ignore.
 */
export function signalField(
  flagKey: string,
  kind: 'success' | 'failure',
  arm: 'on' | 'off' = 'on',
): string {
  const k = kind === 'success' ? 's' : 'f';
  return `${flagKey}:${arm === 'on' ? k : `o${k}`}`;
}

/** Inverse of {@link signalField}; `null` when the field is not a signal field. */
export function parseSignalField(
  field: string,
): { flagKey: string; kind: 'success' | 'failure'; arm: 'on' | 'off' } | null {
  const i = field.lastIndexOf(':');
  if (i <= 0) return null;
  const flagKey = field.slice(0, i);
  switch (field.slice(i + 1)) {
    case 's':
      return { flagKey, kind: 'success', arm: 'on' };
    case 'f':
      return { flagKey, kind: 'failure', arm: 'on' };
    case 'os':
      return { flagKey, kind: 'success', arm: 'off' };
    case 'of':
      return { flagKey, kind: 'failure', arm: 'off' };
    default:
      return null;
  }
}

/** Escapes Redis glob characters (`* ? [ ] \`) so `value` matches only itself in a pattern. */
function escapeRedisGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Redis key pattern (ACL `~…` and SCAN `MATCH`) of every signal bucket of one app,
 * `<prefix>:sig:{<appId>}:*`, or of every app when `appId` is omitted (`<prefix>:sig:*`).
 * Glob characters in the prefix or app id are escaped (braces are not glob characters).
 */
export function signalKeyPattern(prefix: string, appId?: string): string {
  const base = `${escapeRedisGlob(prefix)}:sig:`;
  return appId === undefined ? `${base}*` : `${base}${escapeRedisGlob(redisAppHashTag(appId))}:*`;
}

/**
 * Redis Pub/Sub channel of one app's signal wake-ups: `<prefix>:wake:<appId>`. An SDK whose
 * early flush fired on a failure spike publishes here in the same pipeline as the counts, and the
 * Airbag leader ticks that app at once instead of at its next poll (ADR 0003, "Wake-ups"). The
 * message body carries nothing Airbag trusts: the channel names the app, and the app's SDK-key
 * users may publish only their own app's channel (ACL `&…`, {@link signalWakeChannelPattern}).
 */
export function signalWakeChannel(prefix: string, appId: string): string {
  return `${prefix}:wake:${appId}`;
}

/**
 * Redis channel pattern of one app's wake channel (ACL `&…`, glob characters escaped) or, without
 * `appId`, of every app's (`<prefix>:wake:*`: Airbag's `PSUBSCRIBE` and its ACL rule, which
 * Redis matches literally for patterns).
 */
export function signalWakeChannelPattern(prefix: string, appId?: string): string {
  const base = `${escapeRedisGlob(prefix)}:wake:`;
  return appId === undefined ? `${base}*` : `${base}${escapeRedisGlob(appId)}`;
}

/** Inverse of {@link signalWakeChannel}: the app id, or `null` for another channel. */
export function parseSignalWakeChannel(prefix: string, channel: string): string | null {
  const head = `${prefix}:wake:`;
  if (!channel.startsWith(head)) return null;
  const appId = channel.slice(head.length);
  return isValidToken(appId) ? appId : null;
}

/** Redis ACL user of one SDK key: `<prefix>-sdk-<keyId>` (Tower creates and deletes it). */
export function sdkRedisUser(prefix: string, keyId: string): string {
  return `${prefix}-sdk-${keyId}`;
}

/** The services that have their own Redis ACL user. */
export const REDIS_SERVICES = ['tower', 'airbag'] as const;
/** One of {@link REDIS_SERVICES}. */
export type RedisService = (typeof REDIS_SERVICES)[number];

/** Redis ACL user of a service: `<prefix>-tower`, `<prefix>-airbag`. */
export function serviceRedisUser(prefix: string, service: RedisService): string {
  return `${prefix}-${service}`;
}
