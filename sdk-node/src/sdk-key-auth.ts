import {
  AuthorizationError,
  jwtAuthenticator,
  UserAuthenticationExpiredError,
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
  if (!key) return appIdOption(appId);
  const given = appId === undefined ? undefined : appIdOption(appId);
  if (given !== undefined && given !== key.appId)
    throw new TailslideError(
      TailslideErrorCode.invalidConfig,
      `appId ${given} differs from the sdkKey's app ${key.appId}: a key reads its own app only (leave appId out)`,
    );
  return key.appId;
}

/**
 * nats.js options of a key: authenticate with the user JWT (the seed signs the server's nonce)
 * and use the key's own inbox prefix, the only one its user may subscribe to.
 */
export function natsKeyOptions(key: SdkCredentials): Partial<NodeConnectionOptions> {
  return {
    authenticator: jwtAuthenticator(key.natsJwt, new TextEncoder().encode(key.secret)),
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
