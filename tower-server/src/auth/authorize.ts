import type { Request, RequestHandler } from 'express';
import { roleAllows, type Role } from '@tailslide/contracts';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import type { AuthService } from './auth-service.js';
import { principalOf, setPrincipal, type Principal } from './principal.js';

/** The least a route needs: `public` needs nobody; then `viewer` < `editor` < `admin`. */
export type RouteRole = 'public' | Role;

/** Lets `req` call a route that needs `role`, or throws 401 / 403. */
export type Authorize = (req: Request, role: RouteRole) => Promise<void>;

/**
 * The app's authorize hook: resolves the request's session cookie or bearer token once (kept for
 * the handler: {@link principalOf}), then answers 401 `unauthenticated` without one and 403
 * `forbidden` when its role is below the route's.
 */
export function createAuthorize(auth: AuthService): Authorize {
  return async (req, role) => {
    if (role === 'public') return;
    let p: Principal | null | undefined = principalOf(req);
    if (!p) {
      p = await auth.authenticate(req.headers);
      if (!p) throw new UnauthenticatedError();
      setPrincipal(req, p);
    }
    if (!roleAllows(p.role, role))
      throw new ForbiddenError(`this needs the ${role} role; you are ${p.role}`);
  };
}

const PUBLIC = new Set(['GET /api/session', 'POST /api/session', 'DELETE /api/session']);

/**
 * The role each `/api` route needs (the table in docs/security.md): reads are for viewers, the
 * users and tokens lists for admins; writes on SDK keys, webhooks, users and tokens for admins,
 * every other write (apps, flags, circuits) for editors.
 */
export function requiredRole(method: string, path: string): RouteRole {
  const m = method.toUpperCase();
  const p = path.replace(/\/+$/, '') || '/';
  if (PUBLIC.has(`${m} ${p}`)) return 'public';
  if (/^\/api\/(users|tokens)(\/|$)/.test(p)) return 'admin';
  if (p === '/api/session/password') return 'viewer';
  if (m === 'GET' || m === 'HEAD') return 'viewer';
  if (/^\/api\/(sdk-keys|webhooks)(\/|$)/.test(p)) return 'admin';
  return 'editor';
}

/** Applies {@link requiredRole} to every request under `/api` (mount at `/api`). */
export function authorizeApi(authorize: Authorize): RequestHandler {
  return (req, _res, next) => {
    const path = `${req.baseUrl}${req.path}`;
    authorize(req, requiredRole(req.method, path)).then(() => next(), next);
  };
}
