import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
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
  /**
   * Checks the credentials of every open connection once (one check per session or token) and
   * closes the connections whose session ended (logout, revoked, idle or absolute expiry, user
   * disabled or deleted) or whose token was revoked. Resolves the number closed. Runs on its own
   * every `sweepIntervalMs` and whenever the change feed says credentials ended on this Tower.
   */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

/** Who opened a socket: `key` names the session or API token the connection cap counts. */
export interface SocketPrincipal {
  readonly key: string;
  /** Whether the credential still holds (a check that moves no idle deadline). */
  readonly isLive?: () => Promise<boolean>;
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
  /**
   * How often open connections' credentials are checked ({@link Realtime.sweep}); what ends on
   * another Tower or by expiry is closed within this. `0`: only on demand. @default 30000
   */
  readonly sweepIntervalMs?: number;
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

type ServerSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

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
  const reserved = new WeakMap<
    IncomingMessage,
    { principal: SocketPrincipal; release: () => void }
  >();
  const reserve = (req: IncomingMessage, principal: SocketPrincipal) => {
    const { key } = principal;
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
      principal,
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
          reserve(req, principal);
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

  // Open sockets by credential, so a sweep checks each session or token once.
  const live = new Map<string, { principal: SocketPrincipal; sockets: Set<ServerSocket> }>();
  io.on('connection', (socket) => {
    const principal = reserved.get(socket.request)?.principal;
    if (!principal) return;
    let entry = live.get(principal.key);
    if (!entry) live.set(principal.key, (entry = { principal, sockets: new Set() }));
    const { sockets } = entry;
    sockets.add(socket);
    socket.on('disconnect', () => {
      sockets.delete(socket);
      if (sockets.size === 0 && live.get(principal.key)?.sockets === sockets)
        live.delete(principal.key);
    });
  });
  let sweeping: Promise<number> | null = null;
  let again = false;
  const sweepOnce = async (): Promise<number> => {
    let closed = 0;
    for (const [key, { principal, sockets }] of [...live]) {
      if (!principal.isLive) continue;
      // A failed check (database down) is no verdict: the connection stays.
      const ok = await principal.isLive().catch(() => true);
      if (ok) continue;
      live.delete(key);
      for (const s of sockets) {
        s.disconnect(true);
        closed++;
      }
    }
    return closed;
  };
  // One sweep at a time; a request during one runs once more right after it.
  const sweep = (): Promise<number> => {
    if (sweeping) {
      again = true;
      return sweeping;
    }
    sweeping = sweepOnce().finally(() => {
      sweeping = null;
      if (again) {
        again = false;
        void sweep();
      }
    });
    return sweeping;
  };
  const interval = options.sweepIntervalMs ?? 30_000;
  const timer = interval > 0 ? setInterval(() => void sweep(), interval) : null;
  timer?.unref();

  const unsubscribe = feed.subscribe({
    ...dashboardEvents((event, payload) => emit(io, event, payload)),
    credentialsEnded: () => void sweep(),
  });
  return {
    io,
    emit: (event, payload) => emit(io, event, payload),
    sweep,
    close() {
      if (timer) clearInterval(timer);
      unsubscribe();
      io.disconnectSockets(true);
      // io.close() would also close the HTTP server, which the caller owns: close the engine only.
      io.engine.close();
      return Promise.resolve();
    },
  };
}
