import { CircuitEventType, type CircuitEvent } from '@tailslide/contracts';
import type pg from 'pg';
import { queueCircuitAlerts } from '../alerts/alert-service.js';
import { findApp } from '../apps/app-service.js';
import { AIRBAG_ACTOR, AuditAction, appendAudit } from '../audit/audit-service.js';
import type { ChangeFeed } from '../change-feed.js';
import { withTransaction } from '../db.js';
import { findFlag, updateFlagInTx } from '../flags/flag-service.js';
import {
  claimCircuitEvent,
  setCircuitEventOutcome,
  type RecordedOutcome,
} from './circuit-store.js';
import { decideCircuitEvent } from './circuit-transitions.js';

/** What applying an event did. `duplicate`: its id was handled before. */
export type ApplyOutcome =
  'applied' | 'duplicate' | 'stale' | 'unknown_flag' | 'invalid_transition';

/** What {@link CircuitService} needs. */
export interface CircuitServiceDeps {
  readonly pool: pg.Pool;
  readonly feed: ChangeFeed;
  /** Unused since folds take the decision's own time (ADR 0008); kept for callers. */
  readonly now?: () => Date;
}

// Alerts go out when a circuit opens, starts recovering and closes; steps are too chatty.
const ALERTED: ReadonlySet<string> = new Set([
  CircuitEventType.opened,
  CircuitEventType.recovering,
  CircuitEventType.closed,
]);

/** The audit reason of a skipped decision: which event, why it was skipped, Airbag's own reason. */
function skippedReason(event: CircuitEvent, outcome: string, why: string): string {
  const own = event.reason ? `; Airbag's reason: ${event.reason}` : '';
  return `${event.type} not applied (${outcome}): ${why}${own}`;
}

/**
 * Applies Airbag's circuit events. Idempotent: the event id is recorded in the same transaction
 * as its effect, and an event decided on an older flag version is ignored. Each applied event
 * changes the flag, appends an audit row (actor `airbag`), queues the outbox and any alerts —
 * all in one transaction; notifications go out after commit.
 */
export class CircuitService {
  readonly #pool: pg.Pool;
  readonly #feed: ChangeFeed;

  constructor(deps: CircuitServiceDeps) {
    this.#pool = deps.pool;
    this.#feed = deps.feed;
  }

  async apply(event: CircuitEvent): Promise<ApplyOutcome> {
    if (!/^[1-9]\d{0,14}$/.test(event.appId)) return 'unknown_flag';
    const appId = Number(event.appId);
    const result = await withTransaction(this.#pool, async (tx) => {
      if (!(await claimCircuitEvent(tx, event.id, appId, event.flagKey)))
        return { outcome: 'duplicate' as const };
      const setOutcome = (outcome: RecordedOutcome) =>
        setCircuitEventOutcome(tx, event.id, outcome);
      const flag = await findFlag(tx, appId, event.flagKey, true);
      if (!flag) {
        await setOutcome('unknown_flag');
        return { outcome: 'unknown_flag' as const };
      }
      const decision = decideCircuitEvent(flag, event);
      if (decision.outcome !== 'applied') {
        await setOutcome(decision.outcome);
        // Recorded, not replayed as a fresh trip (ADR 0008): the log says what and why.
        const audit = await appendAudit(
          tx,
          {
            actor: AIRBAG_ACTOR,
            requestId: event.id,
            reason: skippedReason(event, decision.outcome, decision.why),
          },
          {
            action: AuditAction.circuitSkipped,
            entityType: 'flag',
            entityId: String(flag.id),
            appId,
            flagKey: event.flagKey,
            before: null,
            after: null,
          },
        );
        return { outcome: decision.outcome, audit };
      }
      const { before, after } = await updateFlagInTx(tx, flag, decision.values);
      const audit = await appendAudit(
        tx,
        { actor: AIRBAG_ACTOR, requestId: event.id, reason: event.reason || null },
        {
          action: event.type,
          entityType: 'flag',
          entityId: after.id,
          appId,
          flagKey: event.flagKey,
          before,
          after,
        },
      );
      let alerts = 0;
      if (ALERTED.has(event.type) && flag.alertWebhookIds.length > 0) {
        const app = await findApp(tx, appId);
        alerts = await queueCircuitAlerts(tx, flag.id, event, {
          appId: event.appId,
          appTitle: app?.title ?? event.appId,
          flagKey: event.flagKey,
          flagTitle: after.title,
        });
      }
      return { outcome: 'applied' as const, flag: after, audit, alerts };
    });
    if (result.outcome === 'stale' || result.outcome === 'invalid_transition')
      this.#feed.auditAppended(result.audit);
    if (result.outcome === 'applied') {
      this.#feed.flagChanged(result.flag);
      this.#feed.auditAppended(result.audit);
      this.#feed.circuitEvent(event, result.flag);
      this.#feed.outboxWritten();
      if (result.alerts > 0) this.#feed.alertsQueued();
    }
    return result.outcome;
  }
}
