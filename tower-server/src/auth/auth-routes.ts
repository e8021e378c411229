import type { Response } from 'express';
import { SESSION_COOKIE } from '@tailslide/contracts';
import { UnauthenticatedError } from '../errors.js';
import type { DocumentedRouter } from '../http.js';
import { changePasswordSchema, loginSchema, sessionSchema } from './auth-schemas.js';
import { cookieValue, RateLimitedError, type AuthService } from './auth-service.js';
import { principalOf } from './principal.js';

/** What the session routes need besides the service. */
export interface AuthRouteOptions {
  /** Mark the cookie `Secure` (the public URL is https). */
  readonly secureCookie: boolean;
}

/** /api/session: log in, who am I, log out, change password. */
export function registerAuthRoutes(
  router: DocumentedRouter,
  auth: AuthService,
  options: AuthRouteOptions,
): void {
  const r = router.tagged('session');
  const cookie = {
    httpOnly: true,
    sameSite: 'lax' as const,
    path: '/',
    secure: options.secureCookie,
  };
  const clear = (res: Response) => res.clearCookie(SESSION_COOKIE, cookie);
  r.get('/api/session', 'The signed-in user (401 when anonymous)', {
    role: 'public',
    response: sessionSchema,
    errors: { 401: 'No live session (unauthenticated)' },
    handler: async ({ req }) => {
      const p = principalOf(req) ?? (await auth.authenticate(req.headers));
      if (!p || p.kind !== 'session') throw new UnauthenticatedError('not signed in');
      return { user: await auth.currentUser(p) };
    },
  });
  r.post('/api/session', 'Log in with email and password; sets the session cookie', {
    role: 'public',
    body: loginSchema,
    response: sessionSchema,
    description: 'Signed in; Set-Cookie tailslide_session',
    errors: {
      401: 'Wrong email or password (invalid_credentials)',
      429: 'Too many failed logins (rate_limited), see Retry-After',
    },
    handler: async ({ body, req, res }) => {
      try {
        const { user, secret } = await auth.login(body.email, body.password, req.ip ?? 'unknown');
        res.cookie(SESSION_COOKIE, secret, { ...cookie, maxAge: auth.session.absoluteMs });
        return { user };
      } catch (err) {
        if (err instanceof RateLimitedError) res.set('Retry-After', String(err.retryAfterSeconds));
        throw err;
      }
    },
  });
  r.delete('/api/session', 'Log out: revokes the session and clears the cookie', {
    role: 'public',
    handler: async ({ req, res }) => {
      const secret = cookieValue(req.headers.cookie, SESSION_COOKIE);
      if (secret) await auth.logout(secret);
      clear(res);
    },
  });
  r.put(
    '/api/session/password',
    "Change the signed-in user's password (revokes the user's other sessions)",
    {
      role: 'viewer',
      body: changePasswordSchema,
      errors: {
        401: 'No session, or the current password is wrong (invalid_credentials)',
        403: 'Not a session (an API token has no password)',
      },
      handler: async ({ body, req }) => {
        const p = principalOf(req);
        if (!p) throw new UnauthenticatedError();
        const id = (req as { id?: unknown }).id;
        await auth.changePassword(
          p,
          body.currentPassword,
          body.newPassword,
          typeof id === 'string' ? id : null,
        );
      },
    },
  );
}
