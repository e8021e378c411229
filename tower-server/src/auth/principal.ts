import type { Request } from 'express';
import type { Role } from '@tailslide/contracts';

/** Who is making a request: a signed-in user (session) or an API token. */
export interface Principal {
  readonly kind: 'session' | 'token';
  readonly role: Role;
  /** Audit actor: the user's email or `token:<name>`. */
  readonly actor: string;
  /** The user behind a session; `null` for a token. */
  readonly userId: number | null;
  /** SHA-256 of the session secret; `null` for a token. */
  readonly sessionHash: string | null;
  /** The token's id; `null` for a session. */
  readonly tokenId: number | null;
}

const principals = new WeakMap<Request, Principal>();

/** Remembers who `req` comes from (set once, by the authorize hook). */
export function setPrincipal(req: Request, p: Principal): void {
  principals.set(req, p);
}

/** Who `req` comes from, when authenticated. */
export function principalOf(req: Request): Principal | undefined {
  return principals.get(req);
}
