import { randomUUID } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { SocketEvent, type ServerToClientEvents } from '@tailslide/contracts';
import type { Logger } from 'pino';
import type { ChangeFeed } from './change-feed.js';
import { dashboardEvents, type DashboardEmit } from './realtime.js';

/** What {@link FeedBridge} needs. */
export interface FeedBridgeDeps {
  readonly nc: NatsConnection;
  /** Subject every Tower of this platform shares (`TAILSLIDE_FEED_SUBJECT`). */
  readonly subject: string;
  readonly feed: ChangeFeed;
  /** Delivers another Tower's event to this Tower's dashboards. */
  readonly emit: DashboardEmit;
  readonly logger: Logger;
}

interface Envelope {
  readonly origin: string;
  readonly event: string;
  readonly payload: unknown;
}

const EVENTS = new Set<string>(Object.values(SocketEvent));

/**
 * Shares dashboard events between the Towers of one platform over a plain NATS subject, so a
 * change committed through Tower A reaches dashboards connected to Tower B. Each Tower publishes
 * the events of its own commits (the same trimmed payloads its sockets get) and re-emits the
 * others'; its own come back and are ignored by origin id. Core NATS is at-most-once: when this
 * Tower's NATS link comes back after a drop, its dashboards are told to refetch (`feed.resync`).
 * Durable state never depends on this path: Postgres and the KV are the truth.
 */
export class FeedBridge {
  readonly #deps: FeedBridgeDeps;
  readonly #origin = randomUUID();
  #sub: Subscription | null = null;
  #unsubscribe: (() => void) | null = null;
  #stopped = false;

  constructor(deps: FeedBridgeDeps) {
    this.#deps = deps;
  }

  /** This Tower's id on the subject. */
  get origin(): string {
    return this.#origin;
  }

  start(): void {
    if (this.#sub) return;
    const { nc, subject, feed, emit, logger } = this.#deps;
    this.#sub = nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        const envelope = decode(msg.data);
        if (!envelope || envelope.origin === this.#origin) return;
        emit(envelope.event as keyof ServerToClientEvents, envelope.payload as never);
      },
    });
    this.#unsubscribe = feed.subscribe(
      dashboardEvents((event, payload) => {
        try {
          nc.publish(
            subject,
            JSON.stringify({ origin: this.#origin, event, payload } satisfies Envelope),
          );
        } catch (err) {
          // Closed or over max_payload: other Towers' dashboards miss it until they refetch.
          logger.warn({ err, event }, 'could not share a dashboard event with other Towers');
        }
      }),
    );
    this.#stopped = false;
    // Ends when the connection closes; after stop() it only stops acting.
    void (async () => {
      for await (const s of nc.status()) {
        if (this.#stopped) break;
        if (s.type === 'reconnect')
          emit(SocketEvent.resync, { reason: 'Tower reconnected to NATS' });
      }
    })().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#sub?.unsubscribe();
    this.#sub = null;
    this.#stopped = true;
    return Promise.resolve();
  }
}

function decode(data: Uint8Array): Envelope | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(data)) as Partial<Envelope> | null;
    if (!v || typeof v.origin !== 'string' || typeof v.event !== 'string') return null;
    if (!EVENTS.has(v.event) || v.event === SocketEvent.resync) return null;
    return { origin: v.origin, event: v.event, payload: v.payload };
  } catch {
    return null;
  }
}
