import type { AppDto, AuditEntryDto, FlagDto } from './api.js';
import type { CircuitEvent } from './circuit-events.js';

/** socket.io event names Tower emits to dashboards. */
export const SocketEvent = {
  appChanged: 'app.changed',
  appDeleted: 'app.deleted',
  flagChanged: 'flag.changed',
  flagDeleted: 'flag.deleted',
  circuitEvent: 'circuit.event',
  auditAppended: 'audit.appended',
  resync: 'feed.resync',
} as const;
/** One of {@link SocketEvent}. */
export type SocketEvent = (typeof SocketEvent)[keyof typeof SocketEvent];

/**
 * A flag as socket events carry it. Every dashboard receives every change, so a large whitelist is
 * left out (`whitelist: null`; fetch the flag when you need it); `whitelistSize` is always there.
 */
export interface FlagEventDto extends Omit<FlagDto, 'whitelist'> {
  /** The whitelist when it is small enough to push, else `null`. */
  readonly whitelist: readonly string[] | null;
  readonly whitelistSize: number;
}

/** Payload of each socket event, for typed `socket.io` servers and clients. */
export interface ServerToClientEvents {
  'app.changed': (payload: { app: AppDto }) => void;
  'app.deleted': (payload: { appId: string }) => void;
  'flag.changed': (payload: { flag: FlagEventDto }) => void;
  'flag.deleted': (payload: { appId: string; flagKey: string; id: string }) => void;
  'circuit.event': (payload: { event: CircuitEvent; flag: FlagEventDto }) => void;
  'audit.appended': (payload: { entry: AuditEntryDto }) => void;
  /**
   * Changes may have been missed (this Tower lost its link to the other Towers for a while):
   * refetch what is on screen, as after a reconnect.
   */
  'feed.resync': (payload: { reason: string }) => void;
}

/** Events dashboards send (room subscriptions). */
export interface ClientToServerEvents {
  /** Join the room of one app (`null` leaves all app rooms). */
  subscribe: (payload: { appId: string | null }) => void;
}
