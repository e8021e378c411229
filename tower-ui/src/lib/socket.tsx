import {
  SocketEvent,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@tailslide/contracts';
import {
  createContext,
  useContext,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import { io, type Socket } from 'socket.io-client';

/** The dashboard's typed socket.io connection to Tower. */
export type TowerSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Opens the socket on the page's own origin (Tower serves the UI and socket.io on one port). */
export function createTowerSocket(): TowerSocket {
  return io({ path: '/socket.io', transports: ['websocket', 'polling'] });
}

const SocketContext = createContext<TowerSocket | null>(null);

export interface SocketProviderProps {
  readonly children: ReactNode;
  /**
   * Tower closed the connection itself: the session may have ended (logout elsewhere, revoked,
   * idle or absolute expiry, user disabled) or Tower is shutting down. Check the session; the
   * socket then connects again, which works only while the session lives.
   */
  readonly onClosedByServer?: () => void;
}

/** Owns one socket for the whole app; closes it on unmount. */
export function SocketProvider({ children, onClosedByServer }: SocketProviderProps) {
  const [socket] = useState(createTowerSocket);
  const closedRef = useRef(onClosedByServer);
  useEffect(() => {
    closedRef.current = onClosedByServer;
  });
  useEffect(() => {
    if (!socket.connected) socket.connect();
    const onDisconnect = (reason: Socket.DisconnectReason) => {
      // Only a server-side close stops socket.io's own reconnecting.
      if (reason !== 'io server disconnect') return;
      closedRef.current?.();
      socket.connect();
    };
    socket.on('disconnect', onDisconnect);
    return () => {
      socket.off('disconnect', onDisconnect);
      socket.disconnect();
    };
  }, [socket]);
  return <SocketContext.Provider value={socket}>{children}</SocketContext.Provider>;
}

function useSocket(): TowerSocket {
  const s = useContext(SocketContext);
  if (!s) throw new Error('useSocket must be used inside <SocketProvider>');
  return s;
}

type EventName = keyof ServerToClientEvents;

/**
 * Calls `handler` for each `event` Tower emits. The handler may change every render; the
 * subscription does not (it always calls the latest one).
 */
export function useSocketEvent<E extends EventName>(
  event: E,
  handler: ServerToClientEvents[E],
): void {
  const socket = useSocket();
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => {
    const listener = ((...args: Parameters<ServerToClientEvents[E]>) => {
      (ref.current as (...a: Parameters<ServerToClientEvents[E]>) => void)(...args);
    }) as unknown as ServerToClientEvents[E];
    // socket.io's typed overloads do not narrow over a generic event name.
    const s = socket as unknown as {
      on(e: string, l: unknown): void;
      off(e: string, l: unknown): void;
    };
    s.on(event, listener);
    return () => s.off(event, listener);
  }, [socket, event]);
}

/**
 * Calls `handler` each time the socket reconnects, or Tower says changes may have been missed
 * (`feed.resync`): refetch what is on screen.
 */
export function useOnReconnect(handler: () => void): void {
  const socket = useSocket();
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => {
    let first = true;
    const onConnect = () => {
      if (first) {
        first = false;
        return;
      }
      ref.current();
    };
    if (socket.connected) first = false;
    socket.on('connect', onConnect);
    // Tower lost its link to the other Towers for a while: changes may have been missed.
    const onResync = () => ref.current();
    socket.on(SocketEvent.resync, onResync);
    return () => {
      socket.off('connect', onConnect);
      socket.off(SocketEvent.resync, onResync);
    };
  }, [socket]);
}

/** Whether the live connection is up. */
export function useSocketConnected(): boolean {
  const socket = useSocket();
  return useSyncExternalStore(
    (notify) => {
      socket.on('connect', notify);
      socket.on('disconnect', notify);
      return () => {
        socket.off('connect', notify);
        socket.off('disconnect', notify);
      };
    },
    () => socket.connected,
  );
}
