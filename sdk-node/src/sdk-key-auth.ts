import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import {
  AuthorizationError,
  jwtAuthenticator,
  UserAuthenticationExpiredError,
  type Authenticator,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';
import { parseSdkKey, sdkInboxPrefix, type SdkCredentials } from '@tailslide/contracts';
import { TailslideError, TailslideErrorCode } from './errors.js';
import { appIdOption } from './options.js';

/**
 * The SDK's side of SDK keys (ADR 0007): a `tsk1.…` key carries the app id, a NATS user JWT and
 * its nkey seed, and a Redis user. NATS lets that user watch its app's keys only.
 */

/** Parses the `sdkKey` option; throws `invalid_config` for a key that is not a `tsk1.…` key. */
export function sdkKeyOption(value: unknown): SdkCredentials | undefined {
  if (value === undefined) return undefined;
  const parsed = parseSdkKey(value);
  if (!parsed.ok)
    throw new TailslideError(
      TailslideErrorCode.invalidConfig,
      `sdkKey: ${parsed.error.message} (copy the key from Tower's SDK keys page)`,
    );
  return parsed.value;
}

/**
 * The app a manager serves: the key's app when there is a key (an `appId` option that names
 * another app is a configuration error), else the `appId` option.
 */
export function appIdFrom(appId: unknown, key: SdkCredentials | undefined): string {
  if (!key && appId === undefined)
    throw new TailslideError(
      TailslideErrorCode.invalidConfig,
      "sdkKey is required: your app's SDK key (tsk1.…, from Tower's SDK keys page or `npm start`'s output), e.g. sdkKey: process.env.TAILSLIDE_SDK_KEY with that variable set (on a platform that checks no keys, appId instead)",
    );
  if (!key) return appIdOption(appId);
  const given = appId === undefined ? undefined : appIdOption(appId);
  if (given !== undefined && given !== key.appId)
    throw new TailslideError(
      TailslideErrorCode.invalidConfig,
      `appId ${given} differs from the sdkKey's app ${key.appId}: a key reads its own app only (leave appId out)`,
    );
  return key.appId;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
// PKCS#8 wrapping of a raw 32-byte Ed25519 private key (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The raw Ed25519 seed inside an nkey seed (`SU…`: base32 of 2 prefix bytes, 32 seed bytes and a
 * CRC-16), `null` when the text is not one.
 */
export function nkeySeedBytes(seed: string): Buffer | null {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of seed) {
    const v = BASE32.indexOf(ch);
    if (v < 0) return null;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  if (out.length !== 36) return null;
  const raw = Uint8Array.from(out);
  if (crc16(raw.subarray(0, 34)) !== (raw[34]! | (raw[35]! << 8))) return null;
  // First 5 bits: the seed prefix (S); next 5: the key role (U for a user).
  if (raw[0]! >> 3 !== 18) return null;
  return Buffer.from(raw.subarray(2, 34));
}

// CRC-16/XMODEM, the checksum of nkeys.
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/**
 * Authenticates as the key's NATS user: the user JWT, and the server's nonce signed with the
 * user's seed by node:crypto's Ed25519 (native, ~50 µs) instead of nats.js's pure-JS nkeys
 * (~10–20 ms of main-thread CPU per connect, which made 100 instances starting together in one
 * process take seconds). The server takes the user's public key from the JWT, so no `nkey` is
 * sent. A secret that is not an nkey seed falls back to nats.js (which reports it).
 */
export function sdkKeyAuthenticator(key: SdkCredentials): Authenticator {
  const raw = nkeySeedBytes(key.secret);
  if (!raw) return jwtAuthenticator(key.natsJwt, new TextEncoder().encode(key.secret));
  const privateKey: KeyObject = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, raw]),
    format: 'der',
    type: 'pkcs8',
  });
  raw.fill(0);
  return (nonce?: string) =>
    nonce
      ? {
          jwt: key.natsJwt,
          sig: sign(null, Buffer.from(nonce), privateKey).toString('base64url'),
        }
      : { jwt: key.natsJwt };
}

/**
 * nats.js options of a key: authenticate with the user JWT (the seed signs the server's nonce)
 * and use the key's own inbox prefix, the only one its user may subscribe to.
 */
export function natsKeyOptions(key: SdkCredentials): Partial<NodeConnectionOptions> {
  return {
    authenticator: sdkKeyAuthenticator(key),
    inboxPrefix: sdkInboxPrefix(key.keyId),
  };
}

const AUTH_MESSAGE = /authorization violation|authentication (revoked|expired)|user .*revoked/i;
// nats.js files a slow handshake under AuthorizationError too; it says nothing about the key.
const TIMEOUT_MESSAGE = /authentication timeout/i;

/**
 * True when NATS refused the credentials (unknown, revoked or expired user), looking through
 * causes. An authentication timeout (the process was too busy to answer the nonce) is not one.
 */
export function isNatsAuthError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof Error && TIMEOUT_MESSAGE.test(e.message)) return false;
    if (e instanceof AuthorizationError || e instanceof UserAuthenticationExpiredError) return true;
    if (typeof e === 'string') return AUTH_MESSAGE.test(e);
    if (e instanceof Error) {
      if (AUTH_MESSAGE.test(e.message)) return true;
      e = e.cause;
    } else return false;
  }
  return false;
}
