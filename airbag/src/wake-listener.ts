import { parseSignalWakeChannel, signalWakeChannelPattern } from '@tailslide/contracts';
import type { Logger } from 'pino';
import type { AirbagMetrics } from './airbag-metrics.js';
import type { WakeScheduler } from './wake-scheduler.js';

/**
 * A Redis connection in subscriber mode (a node-redis v6 client of its own, e.g.
 * `redis.duplicate()`: a subscribed connection runs nothing else). node-redis subscribes again
 * by itself after a reconnect.
 */
export interface WakeSubscriber {
  pSubscribe(
    pattern: string,
    listener: (message: string, channel: string) => unknown,
  ): Promise<unknown>;
  pUnsubscribe(pattern: string): Promise<unknown>;
}

export interface WakeListenerDeps {
  readonly subscriber: WakeSubscriber;
  readonly prefix: string;
  readonly scheduler: WakeScheduler;
  readonly logger: Logger;
  readonly metrics: AirbagMetrics;
}

/**
 * Hears every app's wake channel (`PSUBSCRIBE <prefix>:wake:*`) while this instance leads, and
 * hands the app named by the channel to the {@link WakeScheduler}. The message body is ignored:
 * the ACL decides who may publish which channel (ADR 0003, "Wake-ups"). Followers unsubscribe,
 * so only the leader pays for wake-ups.
 */
export class WakeListener {
  readonly #deps: WakeListenerDeps;
  readonly #pattern: string;
  /** Whether we are (or are becoming) subscribed. */
  #on = false;
  #failedOnce = false;
  #change: Promise<unknown> = Promise.resolve();

  constructor(deps: WakeListenerDeps) {
    this.#deps = deps;
    this.#pattern = signalWakeChannelPattern(deps.prefix);
  }

  /** Subscribes when `leader` and not subscribed yet; unsubscribes when not. Never throws. */
  setLeader(leader: boolean): void {
    if (leader === this.#on) return;
    this.#on = leader;
    const { subscriber, logger } = this.#deps;
    this.#change = this.#change.then(async () => {
      try {
        if (leader) {
          await subscriber.pSubscribe(this.#pattern, (_message, channel) => this.#heard(channel));
          this.#failedOnce = false;
          logger.info({ pattern: this.#pattern }, 'listening for signal wake-ups');
        } else {
          await subscriber.pUnsubscribe(this.#pattern);
        }
      } catch (err) {
        // Retried at the next full tick; logged once per outage (the poll still decides).
        if (leader) this.#on = false;
        if (!this.#failedOnce)
          logger.warn({ err }, 'cannot subscribe to signal wake-ups; polling only until it works');
        this.#failedOnce = true;
      }
    });
  }

  /** Unsubscribes (if subscribed). Leaves the connection open: it belongs to the caller. */
  async close(): Promise<void> {
    this.setLeader(false);
    await this.#change;
  }

  #heard(channel: string): void {
    const appId = parseSignalWakeChannel(this.#deps.prefix, channel);
    const outcome = appId === null ? 'ignored' : this.#deps.scheduler.wake(appId);
    this.#deps.metrics.wakes.inc({ outcome });
  }
}
