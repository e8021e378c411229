import type { Request, Response } from 'express';
import { SESSION_COOKIE } from '@tailslide/contracts';
import { UnauthenticatedError } from '../errors.js';
import type { DocumentedRouter } from '../http.js';
import { parseInput } from '../validation.js';
import { changePasswordSchema, loginSchema } from './auth-schemas.js';
import { cookieValue, RateLimitedError, type AuthService } from './auth-service.js';
import { principalOf } from './principal.js';

/** What the session routes need besides the service. */
export interface AuthRouteOptions {
  /** Mark the cookie `Secure` (the public URL is https). */
  readonly secureCookie: boolean;
}

function requestId(req: Request): string | null {
  const id = (req as { id?: unknown }).id;
  return typeof id === 'string' ? id : null;
}

/** /api/session: log in, who am I, log out, change password. */
export function registerAuthRoutes(
  r: DocumentedRouter,
  auth: AuthService,
  options: AuthRouteOptions,
): void {
  const tag = 'session';
  const cookie = {
    httpOnly: true,
    sameSite: 'lax' as const,
    path: '/',
    secure: options.secureCookie,
  };
  const clear = (res: Response) => res.clearCookie(SESSION_COOKIE, cookie);
  r.add(
    {
      method: 'get',
      path: '/api/session',
      summary: 'The signed-in user (401 when anonymous)',
      tag,
      responses: {
        200: { description: 'Signed in', schema: 'Session' },
        401: { description: 'No live session (unauthenticated)', schema: 'Error' },
      },
    },
    async (req, res) => {
      const p = principalOf(req) ?? (await auth.authenticate(req.headers));
      if (!p || p.kind !== 'session') throw new UnauthenticatedError('not signed in');
      res.json({ user: await auth.currentUser(p) });
    },
  );
  r.add(
    {
      method: 'post',
      path: '/api/session',
      summary: 'Log in with email and password; sets the session cookie',
      tag,
      body: loginSchema,
      responses: {
        200: { description: 'Signed in; Set-Cookie tailslide_session', schema: 'Session' },
        400: { description: 'Invalid body', schema: 'Error' },
        401: { description: 'Wrong email or password (invalid_credentials)', schema: 'Error' },
        429: {
          description: 'Too many failed logins (rate_limited), see Retry-After',
          schema: 'Error',
        },
      },
    },
    async (req, res) => {
      const body = parseInput(loginSchema, req.body);
      try {
        const { user, secret } = await auth.login(body.email, body.password, req.ip ?? 'unknown');
        res.cookie(SESSION_COOKIE, secret, { ...cookie, maxAge: auth.session.absoluteMs });
        res.json({ user });
      } catch (err) {
        if (err instanceof RateLimitedError) res.set('Retry-After', String(err.retryAfterSeconds));
        throw err;
      }
    },
  );
  r.add(
    {
      method: 'delete',
      path: '/api/session',
      summary: 'Log out: revokes the session and clears the cookie',
      tag,
      responses: { 204: { description: 'Signed out' } },
    },
    async (req, res) => {
      const secret = cookieValue(req.headers.cookie, SESSION_COOKIE);
      if (secret) await auth.logout(secret);
      clear(res);
      res.status(204).end();
    },
  );
  r.add(
    {
      method: 'put',
      path: '/api/session/password',
      summary: "Change the signed-in user's password (revokes the user's other sessions)",
      tag,
      body: changePasswordSchema,
      responses: {
        204: { description: 'Changed' },
        400: { description: 'Invalid body (new password too short)', schema: 'Error' },
        401: { description: 'Current password wrong (invalid_credentials)', schema: 'Error' },
        403: { description: 'Not a session (an API token has no password)', schema: 'Error' },
      },
    },
    async (req, res) => {
      const body = parseInput(changePasswordSchema, req.body);
      const p = principalOf(req);
      if (!p) throw new UnauthenticatedError();
      await auth.changePassword(p, body.currentPassword, body.newPassword, requestId(req));
      res.status(204).end();
    },
  );
}
