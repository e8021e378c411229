import type { IncomingHttpHeaders } from 'node:http';
import type { AuthService } from './auth-service.js';
import type { Principal } from './principal.js';

/** What a socket.io handshake carries that can authenticate it. */
export interface Handshake {
  readonly headers: IncomingHttpHeaders;
}

/**
 * Authenticates a socket.io handshake from its session cookie or `Authorization: Bearer` header
 * (the same rules as an HTTP request). Resolves `null` for an anonymous or dead credential; the
 * caller refuses the connection. Use in `io.use((socket, next) => ...)` with
 * `socket.request` (or `socket.handshake`).
 */
export function authenticateHandshake(
  auth: Pick<AuthService, 'authenticate'>,
  handshake: Handshake,
): Promise<Principal | null> {
  return auth.authenticate(handshake.headers);
}
