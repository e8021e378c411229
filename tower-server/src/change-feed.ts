import type { AppDto, AuditEntryDto, CircuitEvent, FlagDto } from '@tailslide/contracts';

/** What happened after a commit; realtime pushes it, the relay and alert dispatcher wake on it. */
export interface ChangeListener {
  appChanged(app: AppDto): void;
  appDeleted(appId: string): void;
  flagChanged(flag: FlagDto): void;
  flagDeleted(payload: { appId: string; flagKey: string; id: string }): void;
  circuitEvent(event: CircuitEvent, flag: FlagDto): void;
  auditAppended(entry: AuditEntryDto): void;
  /** Outbox rows were committed: the relay should run now rather than at its next poll. */
  outboxWritten(): void;
  /** Alert deliveries were queued. */
  alertsQueued(): void;
  /**
   * Sessions or API tokens ended here (logout, revocation, a user disabled or deleted): open
   * socket connections should check their credentials now rather than at the next sweep.
   */
  credentialsEnded(): void;
}

type Method = keyof ChangeListener;

/**
 * In-process fan-out of committed changes. Services call it only after COMMIT, so a listener
 * never sees a change that was rolled back. A throwing listener is isolated from the others.
 */
export class ChangeFeed implements ChangeListener {
  readonly #listeners: Partial<ChangeListener>[] = [];

  /** Adds a listener; returns a function that removes it. */
  subscribe(listener: Partial<ChangeListener>): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  #emit<M extends Method>(method: M, ...args: Parameters<ChangeListener[M]>): void {
    for (const l of this.#listeners) {
      const fn = l[method] as ((...a: Parameters<ChangeListener[M]>) => void) | undefined;
      if (!fn) continue;
      try {
        fn.apply(l, args);
      } catch {
        // A failing listener (e.g. a socket write) must not affect the request that committed.
      }
    }
  }

  appChanged(app: AppDto): void {
    this.#emit('appChanged', app);
  }
  appDeleted(appId: string): void {
    this.#emit('appDeleted', appId);
  }
  flagChanged(flag: FlagDto): void {
    this.#emit('flagChanged', flag);
  }
  flagDeleted(payload: { appId: string; flagKey: string; id: string }): void {
    this.#emit('flagDeleted', payload);
  }
  circuitEvent(event: CircuitEvent, flag: FlagDto): void {
    this.#emit('circuitEvent', event, flag);
  }
  auditAppended(entry: AuditEntryDto): void {
    this.#emit('auditAppended', entry);
  }
  outboxWritten(): void {
    this.#emit('outboxWritten');
  }
  alertsQueued(): void {
    this.#emit('alertsQueued');
  }
  credentialsEnded(): void {
    this.#emit('credentialsEnded');
  }
}
