import type { ChangePasswordRequest, LoginRequest, SessionDto } from '@tailslide/contracts';
import { api, apiRequest } from '../../../lib/api-client.js';

/** The signed-in user, or an {@link ApiError} 401 when there is none (no redirect: a probe). */
export const getSession = (signal?: AbortSignal) =>
  apiRequest<SessionDto>('GET', '/session', {
    expectUnauthenticated: true,
    ...(signal ? { signal } : {}),
  });
/** Signs in; Tower sets the HttpOnly session cookie. */
export const login = (body: LoginRequest) =>
  apiRequest<SessionDto>('POST', '/session', { body, expectUnauthenticated: true });
/** Signs out: Tower revokes the session and clears the cookie. */
export const logout = () =>
  apiRequest<undefined>('DELETE', '/session', { expectUnauthenticated: true });
/** Changes the signed-in user's password (Tower signs out their other sessions). */
export const changePassword = (body: ChangePasswordRequest) =>
  api.put<undefined>('/session/password', body);
