import type { IncomingHttpHeaders } from 'node:http';
import { API_TOKEN_PREFIX, SESSION_COOKIE, type UserDto } from '@tailslide/contracts';
import type pg from 'pg';
import type { ChangeFeed } from '../change-feed.js';
import { ForbiddenError, TowerError, UnauthenticatedError } from '../errors.js';
import type { TokenService } from '../tokens/token-service.js';
import type { UserService } from '../users/user-service.js';
import { LoginLimiter, type LoginLimiterOptions } from './login-limiter.js';
import type { Principal } from './principal.js';
import { hashSecret, randomSecret } from './secrets.js';
import {
  findLiveSession,
  insertSession,
  revokeSession,
  revokeUserSessions,
  touchSession,
} from './session-store.js';

/** How long a session lives. */
export interface SessionLifetime {
  /** Ends after this long without a request. @default 8 h */
  readonly idleMs: number;
  /** Ends this long after login, however active. @default 7 days */
  readonly absoluteMs: number;
}

/** Default {@link SessionLifetime}. */
export const DEFAULT_SESSION_LIFETIME: SessionLifetime = {
  idleMs: 8 * 3_600_000,
  absoluteMs: 7 * 86_400_000,
};

/** `last_seen_at` is written at most this often per session. */
const TOUCH_EVERY_MS = 60_000;

/** 429: too many failed logins for this account or address. */
export class RateLimitedError extends TowerError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'rate_limited', `too many failed logins; try again in ${retryAfterSeconds} s`, {
      retryAfterSeconds,
    });
  }
}

/** What {@link AuthService} needs. */
export interface AuthServiceDeps {
  readonly pool: pg.Pool;
  readonly users: UserService;
  readonly tokens: TokenService;
  readonly session?: SessionLifetime;
  readonly limits?: LoginLimiterOptions;
  readonly now?: () => Date;
  /** Told when sessions end here, so open socket connections re-check at once. */
  readonly feed?: Pick<ChangeFeed, 'credentialsEnded'>;
}

/** The value of one cookie in a `Cookie` header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The secret of `Authorization: Bearer <secret>`, if the header is one. */
function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

/**
 * Sessions and API tokens: login with rate limiting, logout, password change, and resolving the
 * credentials of a request (or a socket.io handshake) to a {@link Principal}.
 */
export class AuthService {
  readonly #pool: pg.Pool;
  readonly #users: UserService;
  readonly #tokens: TokenService;
  readonly #now: () => Date;
  readonly #limiter: LoginLimiter;
  readonly #feed: Pick<ChangeFeed, 'credentialsEnded'> | undefined;
  readonly session: SessionLifetime;

  constructor(deps: AuthServiceDeps) {
    this.#pool = deps.pool;
    this.#users = deps.users;
    this.#tokens = deps.tokens;
    this.#now = deps.now ?? (() => new Date());
    this.#limiter = new LoginLimiter(deps.pool, deps.limits);
    this.session = deps.session ?? DEFAULT_SESSION_LIFETIME;
    this.#feed = deps.feed;
  }

  /**
   * Checks a password and opens a session. Every failure (unknown email, wrong password, disabled
   * user) is the same 401 and takes as long; past the limits it is 429 without checking.
   */
  async login(
    email: string,
    password: string,
    address: string,
  ): Promise<{ user: UserDto; secret: string }> {
    const now = this.#now();
    const wait = await this.#limiter.retryAfter(email, address, now);
    if (wait !== null) throw new RateLimitedError(wait);
    const user = await this.#users.checkLogin(email, password, now);
    if (!user) {
      await this.#limiter.recordFailure(email, address, now);
      throw new TowerError(401, 'invalid_credentials', 'wrong email or password');
    }
    await this.#limiter.recordSuccess(email);
    const secret = randomSecret();
    await insertSession(this.#pool, {
      secretHash: hashSecret(secret),
      userId: Number(user.id),
      now,
      expiresAt: new Date(now.getTime() + this.session.absoluteMs),
    });
    return { user, secret };
  }

  /** Revokes the session of a cookie value (no-op for an unknown one). */
  async logout(secret: string): Promise<void> {
    await revokeSession(this.#pool, hashSecret(secret), this.#now());
    this.#feed?.credentialsEnded();
  }

  /**
   * True while what authenticated `p` still would: the session live (not revoked, expired or
   * idle, its user enabled) or the token not revoked. A check, not a use: it moves no idle
   * deadline, so an open dashboard socket does not keep a session alive.
   */
  async isLive(p: Principal): Promise<boolean> {
    if (p.sessionHash !== null)
      return (
        (await findLiveSession(this.#pool, p.sessionHash, this.#now(), this.session.idleMs)) !==
        null
      );
    return p.tokenId !== null && this.#tokens.isLive(p.tokenId);
  }

  /**
   * Resolves request headers to who sent them: `Authorization: Bearer tst_…` (an API token) or
   * the session cookie. `null` when neither is valid and live. Socket.io handshakes use it too.
   */
  async authenticate(headers: IncomingHttpHeaders): Promise<Principal | null> {
    const now = this.#now();
    const auth = headers.authorization?.trim();
    if (auth) {
      const secret = bearer(auth);
      if (!secret?.startsWith(API_TOKEN_PREFIX)) return null;
      const token = await this.#tokens.authenticate(secret, now);
      if (!token) return null;
      return {
        kind: 'token',
        role: token.role,
        actor: `token:${token.name}`,
        userId: null,
        sessionHash: null,
        tokenId: Number(token.id),
      };
    }
    const cookie = cookieValue(headers.cookie, SESSION_COOKIE);
    if (!cookie) return null;
    const secretHash = hashSecret(cookie);
    const s = await findLiveSession(this.#pool, secretHash, now, this.session.idleMs);
    if (!s) return null;
    if (now.getTime() - s.lastSeenAt.getTime() >= TOUCH_EVERY_MS)
      await touchSession(this.#pool, secretHash, now);
    return {
      kind: 'session',
      role: s.role,
      actor: s.email,
      userId: s.userId,
      sessionHash: secretHash,
      tokenId: null,
    };
  }

  /** The signed-in user of a session principal. */
  async currentUser(p: Principal): Promise<UserDto> {
    const user = p.userId === null ? null : await this.#users.find(p.userId);
    if (!user) throw new UnauthenticatedError();
    return user;
  }

  /** Changes the caller's password after checking the current one; other sessions are revoked. */
  async changePassword(
    p: Principal,
    currentPassword: string,
    newPassword: string,
    requestId: string | null,
  ): Promise<void> {
    if (p.userId === null || p.sessionHash === null)
      throw new ForbiddenError('an API token has no password');
    if (!(await this.#users.checkPassword(p.userId, currentPassword)))
      throw new TowerError(401, 'invalid_credentials', 'the current password is wrong');
    await this.#users.setPassword(p.userId, newPassword, { actor: p.actor, requestId });
    await revokeUserSessions(this.#pool, p.userId, this.#now(), p.sessionHash);
    this.#feed?.credentialsEnded();
  }

  /** Ends every session of a user (disabled or deleted). */
  async revokeUserSessions(userId: number): Promise<void> {
    await revokeUserSessions(this.#pool, userId, this.#now());
    this.#feed?.credentialsEnded();
  }
}
