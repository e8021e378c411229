import { roleAllows } from '@tailslide/contracts';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import type { Authorize } from '../http.js';
import type { AuthService } from './auth-service.js';
import { principalOf, setPrincipal, type Principal } from './principal.js';

/**
 * The app's authorize hook (every route declares its `role`): resolves the request's session
 * cookie or bearer token once (kept for the handler: {@link principalOf}), then answers 401
 * `unauthenticated` without one and 403 `forbidden` when its role is below the route's.
 */
export function createAuthorize(auth: Pick<AuthService, 'authenticate'>): Authorize {
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
