import type pg from 'pg';
import { clearLoginFailures, countLoginFailure, findLoginFailures } from './login-failure-store.js';

/** How many failed logins a key may have in one window. */
export interface LoginLimit {
  readonly maxFailures: number;
  readonly windowMs: number;
}

/** What {@link LoginLimiter} needs. */
export interface LoginLimiterOptions {
  /** Per account (email). @default { maxFailures: 5, windowMs: 900000 } */
  readonly account?: LoginLimit;
  /** Per client address; larger, as an office may share one. @default { maxFailures: 50, windowMs: 900000 } */
  readonly address?: LoginLimit;
}

const DEFAULT_ACCOUNT: LoginLimit = { maxFailures: 5, windowMs: 15 * 60_000 };
const DEFAULT_ADDRESS: LoginLimit = { maxFailures: 50, windowMs: 15 * 60_000 };

const accountKey = (email: string): string => `account:${email.toLowerCase()}`;

/**
 * Counts failed logins per account and per client address in fixed windows, in Postgres: every
 * Tower behind a load balancer shares the counts, and a restart does not reset them. Logins are
 * rare, so the extra row write costs nothing that matters. Time comes from the caller (`now`).
 */
export class LoginLimiter {
  readonly #pool: pg.Pool;
  readonly #account: LoginLimit;
  readonly #address: LoginLimit;

  constructor(pool: pg.Pool, options: LoginLimiterOptions = {}) {
    this.#pool = pool;
    this.#account = options.account ?? DEFAULT_ACCOUNT;
    this.#address = options.address ?? DEFAULT_ADDRESS;
  }

  #keys(email: string, address: string): { key: string; limit: LoginLimit }[] {
    return [
      { key: accountKey(email), limit: this.#account },
      { key: `address:${address}`, limit: this.#address },
    ];
  }

  /** Seconds to wait when either key is over its limit at `now`; `null` when a try is allowed. */
  async retryAfter(email: string, address: string, now: Date): Promise<number | null> {
    const keys = this.#keys(email, address);
    const rows = await findLoginFailures(
      this.#pool,
      keys.map((k) => k.key),
    );
    let wait = 0;
    for (const r of rows) {
      const { limit } = keys.find((k) => k.key === r.key)!;
      const ends = r.windowStart.getTime() + limit.windowMs;
      if (r.failures >= limit.maxFailures && ends > now.getTime())
        wait = Math.max(wait, Math.ceil((ends - now.getTime()) / 1000));
    }
    return wait > 0 ? wait : null;
  }

  /** Counts one failure for the account and the address (a window that ended starts anew). */
  async recordFailure(email: string, address: string, now: Date): Promise<void> {
    for (const { key, limit } of this.#keys(email, address))
      await countLoginFailure(this.#pool, key, now, limit.windowMs);
  }

  /** Forgets the account's failures after a successful login (the address keeps its count). */
  async recordSuccess(email: string): Promise<void> {
    await clearLoginFailures(this.#pool, accountKey(email));
  }
}
