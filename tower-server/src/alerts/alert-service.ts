import type { CircuitEvent } from '@tailslide/contracts';
import type { Queryable } from '../db.js';
import { queueAlerts } from './alert-store.js';
import { slackCircuitMessage, type AlertSubject } from './slack-message.js';

/**
 * Queues a Slack alert about a circuit event for every webhook subscribed to the flag, inside the
 * event's transaction (the dispatcher sends them after commit). Returns how many were queued.
 */
export function queueCircuitAlerts(
  tx: Queryable,
  flagId: number,
  event: CircuitEvent,
  subject: AlertSubject,
): Promise<number> {
  return queueAlerts(tx, flagId, {
    eventId: event.id,
    eventType: event.type,
    appId: Number(event.appId),
    flagKey: event.flagKey,
    payload: slackCircuitMessage(event, subject),
  });
}
