import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import {
  SocketEvent,
  type ClientToServerEvents,
  type FlagDto,
  type FlagEventDto,
  type ServerToClientEvents,
} from '@tailslide/contracts';
import type { ChangeFeed, ChangeListener } from './change-feed.js';
import type { BrowserPolicy } from './security.js';

/** The socket.io server that pushes committed changes to dashboards. */
export interface Realtime {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents>;
  /** Sends one event to every dashboard connected to this Tower. */
  emit: DashboardEmit;
  close(): Promise<void>;
}

/** Who opened a socket: `key` names the session or API token the connection cap counts. */
export interface SocketPrincipal {
  readonly key: string;
}

/** Authenticates a handshake request from its cookie or `Authorization` header; null refuses. */
export type SocketAuthenticator = (req: IncomingMessage) => Promise<SocketPrincipal | null>;

export interface RealtimeOptions {
  /** Host allow-list and cross-site check shared with the HTTP app. */
  readonly policy: BrowserPolicy;
  /** Without one every handshake that passes the policy is accepted (and nothing is capped). */
  readonly authenticate?: SocketAuthenticator;
  /** Open connections one session or token may hold (tabs, reconnects). @default 20 */
  readonly maxConnectionsPerPrincipal?: number;
}

/** Largest whitelist pushed in full with a flag; a larger one goes as its size only. */
export const MAX_EVENT_WHITELIST = 100;

/** The flag as socket events carry it: a large whitelist stays out of every dashboard's stream. */
export function toFlagEvent(flag: FlagDto): FlagEventDto {
  const { whitelist, ...rest } = flag;
  return {
    ...rest,
    whitelist: whitelist.length <= MAX_EVENT_WHITELIST ? whitelist : null,
    whitelistSize: whitelist.length,
  };
}

/** One dashboard event: its name and payload, as socket.io sends it. */
export type DashboardEmit = <E extends keyof ServerToClientEvents>(
  event: E,
  payload: Parameters<ServerToClientEvents[E]>[0],
) => void;

/**
 * The change-feed listener that turns committed changes into dashboard events for `emit` (this
 * Tower's sockets, or the other Towers through the feed bridge).
 */
export function dashboardEvents(emit: DashboardEmit): Partial<ChangeListener> {
  return {
    appChanged: (app) => emit(SocketEvent.appChanged, { app }),
    appDeleted: (appId) => emit(SocketEvent.appDeleted, { appId }),
    flagChanged: (flag) => emit(SocketEvent.flagChanged, { flag: toFlagEvent(flag) }),
    flagDeleted: (p) => emit(SocketEvent.flagDeleted, p),
    circuitEvent: (event, flag) =>
      emit(SocketEvent.circuitEvent, { event, flag: toFlagEvent(flag) }),
    auditAppended: (entry) => emit(SocketEvent.auditAppended, { entry }),
  };
}

function emit<E extends keyof ServerToClientEvents>(
  io: Server<ClientToServerEvents, ServerToClientEvents>,
  event: E,
  payload: Parameters<ServerToClientEvents[E]>[0],
): void {
  // socket.io's typed emit does not narrow over a generic event name.
  (io as unknown as { emit(e: string, p: unknown): void }).emit(event, payload);
}

/** A handshake that was accepted but has not become a connection yet is forgotten after this. */
const RESERVATION_MS = 30_000;

/**
 * Attaches socket.io (path `/socket.io`) to the HTTP server and forwards the change feed. Events
 * are emitted synchronously in the commit's continuation, so they leave within milliseconds.
 * Every handshake (polling or WebSocket) must come from Tower's own origin and be authenticated;
 * browsers apply no same-origin rule to WebSockets, so this is the only thing keeping another
 * site's page from reading the live audit stream.
 */
export function attachRealtime(
  server: HttpServer,
  feed: ChangeFeed,
  options: RealtimeOptions,
): Realtime {
  const { policy, authenticate } = options;
  const max = options.maxConnectionsPerPrincipal ?? 20;
  const open = new Map<string, number>();
  const reserved = new WeakMap<IncomingMessage, { key: string; release: () => void }>();
  const reserve = (req: IncomingMessage, key: string) => {
    open.set(key, (open.get(key) ?? 0) + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const n = (open.get(key) ?? 1) - 1;
      if (n <= 0) open.delete(key);
      else open.set(key, n);
    };
    const timer = setTimeout(release, RESERVATION_MS);
    timer.unref();
    reserved.set(req, {
      key,
      release: () => {
        clearTimeout(timer);
        release();
      },
    });
  };

  const io = new Server<ClientToServerEvents, ServerToClientEvents>(server, {
    path: '/socket.io',
    serveClient: false,
    allowRequest: (req, callback) => {
      if (!policy.allowsHost(req.headers.host)) {
        callback('host not allowed', false);
        return;
      }
      if (policy.crossSiteReason(req.headers) !== null) {
        callback('origin not allowed', false);
        return;
      }
      if (!authenticate) {
        callback(null, true);
        return;
      }
      authenticate(req).then(
        (principal) => {
          if (!principal) {
            callback('unauthenticated', false);
            return;
          }
          if ((open.get(principal.key) ?? 0) >= max) {
            callback('too many connections for this session', false);
            return;
          }
          reserve(req, principal.key);
          callback(null, true);
        },
        () => callback('authentication failed', false),
      );
    },
  });
  // The reservation made at the handshake becomes the connection's and ends when it closes.
  io.engine.on(
    'connection',
    (socket: { request: IncomingMessage; on(e: 'close', f: () => void): void }) => {
      const r = reserved.get(socket.request);
      if (r) socket.on('close', r.release);
    },
  );

  const unsubscribe = feed.subscribe(dashboardEvents((event, payload) => emit(io, event, payload)));
  return {
    io,
    emit: (event, payload) => emit(io, event, payload),
    close() {
      unsubscribe();
      io.disconnectSockets(true);
      // io.close() would also close the HTTP server, which the caller owns: close the engine only.
      io.engine.close();
      return Promise.resolve();
    },
  };
}
