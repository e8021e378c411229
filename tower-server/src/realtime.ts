import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import {
  SocketEvent,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@tailslide/contracts';
import type { ChangeFeed } from './change-feed.js';

/** The socket.io server that pushes committed changes to dashboards. */
export interface Realtime {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents>;
  close(): Promise<void>;
}

/**
 * Attaches socket.io (path `/socket.io`) to the HTTP server and forwards the change feed. Events
 * are emitted synchronously in the commit's continuation, so they leave within milliseconds.
 * Every client receives every event (no auth yet).
 */
export function attachRealtime(server: HttpServer, feed: ChangeFeed): Realtime {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(server, {
    path: '/socket.io',
    serveClient: false,
  });
  const unsubscribe = feed.subscribe({
    appChanged: (app) => io.emit(SocketEvent.appChanged, { app }),
    appDeleted: (appId) => io.emit(SocketEvent.appDeleted, { appId }),
    flagChanged: (flag) => io.emit(SocketEvent.flagChanged, { flag }),
    flagDeleted: (p) => io.emit(SocketEvent.flagDeleted, p),
    circuitEvent: (event, flag) => io.emit(SocketEvent.circuitEvent, { event, flag }),
    auditAppended: (entry) => io.emit(SocketEvent.auditAppended, { entry }),
  });
  return {
    io,
    close() {
      unsubscribe();
      io.disconnectSockets(true);
      // io.close() would also close the HTTP server, which the caller owns: close the engine only.
      io.engine.close();
      return Promise.resolve();
    },
  };
}
