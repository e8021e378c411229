import { fail, ok, type ParseError, type Result } from './result.js';

/**
 * What one SDK key grants, packed into the single string a team pastes into
 * `new FlagManager({ sdkKey })`. Tower mints it (ADR 0007); NATS and Redis enforce it:
 * - NATS (operator/JWT mode): `natsJwt` is a user JWT signed by the Tailslide account that may
 *   only watch `apps.<appId>.>` in the flags bucket; `secret` is that user's nkey seed (`SU…`),
 *   which signs the server's nonce. The seed never leaves the key: Tower keeps no copy.
 * - Redis (ACL): user `redisUser` with password `secret` may only write the app's signal keys.
 */
export interface SdkCredentials {
  /** The app whose flags this key reads. */
  readonly appId: string;
  /** Tower's id of the key (for revocation and the audit log). */
  readonly keyId: string;
  /** User JWT for NATS, signed by the account. */
  readonly natsJwt: string;
  /** The user's nkey seed (`SU…`): NATS signature key and Redis password. */
  readonly secret: string;
  /** Redis ACL user name. */
  readonly redisUser: string;
}

/** Prefix of every SDK key string of this format (version 1). */
export const SDK_KEY_PREFIX = 'tsk1.';

const FIELDS = ['appId', 'keyId', 'natsJwt', 'secret', 'redisUser'] as const;

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The key string: `tsk1.<appId>.<keyId>.<payload>`. App and key id stay readable so a person can
 * tell keys apart (and Tower can show a prefix); the payload is base64url JSON of the credentials.
 */
export function encodeSdkKey(c: SdkCredentials): string {
  const payload = toBase64Url(
    JSON.stringify({ natsJwt: c.natsJwt, secret: c.secret, redisUser: c.redisUser }),
  );
  return `${SDK_KEY_PREFIX}${c.appId}.${c.keyId}.${payload}`;
}

/** True when `value` looks like an SDK key of this format (not a check of its validity). */
export function isSdkKeyString(value: string): boolean {
  return value.startsWith(SDK_KEY_PREFIX);
}

/**
 * Parses an SDK key string. Never throws; a key from before version 1 (`tsk_…`) is refused with
 * a message that says to create a new one.
 */
export function parseSdkKey(input: unknown): Result<SdkCredentials, ParseError> {
  if (typeof input !== 'string') return fail('invalid_field', '', 'an SDK key must be a string');
  const key = input.trim();
  if (key.startsWith('tsk_'))
    return fail(
      'unsupported_schema',
      '',
      'this SDK key is from before keys were enforced; create a new key for the app in Tower (SDK keys page)',
    );
  if (!key.startsWith(SDK_KEY_PREFIX))
    return fail('invalid_field', '', `an SDK key starts with "${SDK_KEY_PREFIX}"`);
  const parts = key.slice(SDK_KEY_PREFIX.length).split('.');
  if (parts.length !== 3) return fail('invalid_field', '', 'the SDK key is truncated or altered');
  const [appId, keyId, payload] = parts as [string, string, string];
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(appId) || !/^[0-9]{1,18}$/.test(keyId))
    return fail('invalid_field', '', 'the SDK key is truncated or altered');
  const json = fromBase64Url(payload);
  if (json === null) return fail('invalid_field', '', 'the SDK key is truncated or altered');
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch {
    return fail('invalid_field', '', 'the SDK key is truncated or altered');
  }
  if (typeof body !== 'object' || body === null)
    return fail('invalid_field', '', 'the SDK key is truncated or altered');
  const record = body as Record<string, unknown>;
  const out: Record<string, string> = { appId, keyId };
  for (const field of FIELDS.slice(2)) {
    const v = record[field];
    if (typeof v !== 'string' || v.length === 0)
      return fail('invalid_field', field, `the SDK key has no ${field}`);
    out[field] = v;
  }
  return ok(out as unknown as SdkCredentials);
}
