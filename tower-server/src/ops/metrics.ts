import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Tower's Prometheus metrics, on a registry of its own (no global state between instances). */
export interface TowerMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly relayPublished: Counter<'outcome'>;
  readonly relayFailures: Counter;
  readonly circuitEvents: Counter<'type' | 'outcome'>;
  readonly alertDeliveries: Counter<'outcome'>;
  readonly reconcilerRepairs: Counter<'outcome'>;
  readonly reconcilerLastSuccess: Gauge;
}

/** Creates the registry and every metric. */
export function createMetrics(): TowerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tower_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'tower_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'tower_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    relayPublished: new Counter({
      name: 'tower_outbox_published_total',
      help: 'Flag keys the outbox relay published, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    relayFailures: new Counter({
      name: 'tower_outbox_failures_total',
      help: 'Outbox relay batches that failed (and were retried)',
      registers: [registry],
    }),
    circuitEvents: new Counter({
      name: 'tower_circuit_events_total',
      help: 'Circuit events consumed, by type and outcome',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    }),
    alertDeliveries: new Counter({
      name: 'tower_alert_deliveries_total',
      help: 'Alert delivery attempts, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    reconcilerRepairs: new Counter({
      name: 'tower_reconciler_repairs_total',
      help: 'KV entries the reconciler rewrote or deleted (drift; changes still in the outbox excluded)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    reconcilerLastSuccess: new Gauge({
      name: 'tower_reconciler_last_success_timestamp_seconds',
      help: 'When the last reconcile pass finished (Unix seconds); alert when it falls behind',
      registers: [registry],
    }),
  };
}

/** Adds `tower_outbox_pending`, read from Postgres at scrape time (a growing value means NATS is behind). */
export function registerOutboxGauge(metrics: TowerMetrics, pending: () => Promise<number>): void {
  new Gauge({
    name: 'tower_outbox_pending',
    help: 'Flag changes committed but not yet published to the KV',
    registers: [metrics.registry],
    async collect() {
      try {
        this.set(await pending());
      } catch {
        // Postgres down: leave the last value; /readyz reports the outage.
      }
    },
  });
}

/** What Tower's scrape-time gauges read. Each reader may throw; the gauge then keeps its value. */
export interface PlatformGaugeSources {
  /** Flags per circuit state, from Postgres. */
  readonly circuitStates: () => Promise<Readonly<Record<string, number>>>;
  /** The durable circuit consumer's backlog, from JetStream. */
  readonly circuitConsumer: () => Promise<{ undelivered: number; unacknowledged: number }>;
}

/** States always reported, so a dashboard shows 0 rather than no series. */
const CIRCUIT_STATES = ['closed', 'open', 'recovering'] as const;

/**
 * Adds `tower_circuits{state}` (flags per circuit state) and `tower_circuit_consumer_pending{kind}`
 * (circuit events not yet delivered to, or not yet acknowledged by, this platform's Towers), read
 * at scrape time. A growing consumer backlog means Towers are not keeping up or are down.
 */
export function registerPlatformGauges(metrics: TowerMetrics, sources: PlatformGaugeSources): void {
  new Gauge({
    name: 'tower_circuits',
    help: 'Flags per circuit state',
    labelNames: ['state'],
    registers: [metrics.registry],
    async collect() {
      try {
        const counts = await sources.circuitStates();
        for (const state of new Set([...CIRCUIT_STATES, ...Object.keys(counts)]))
          this.set({ state }, counts[state] ?? 0);
      } catch {
        // Postgres down: keep the last values; /readyz reports the outage.
      }
    },
  });
  new Gauge({
    name: 'tower_circuit_consumer_pending',
    help: 'Circuit events waiting for Tower: undelivered, or delivered and not yet acknowledged',
    labelNames: ['kind'],
    registers: [metrics.registry],
    async collect() {
      try {
        const { undelivered, unacknowledged } = await sources.circuitConsumer();
        this.set({ kind: 'undelivered' }, undelivered);
        this.set({ kind: 'unacknowledged' }, unacknowledged);
      } catch {
        // NATS down: keep the last values; /readyz reports the outage.
      }
    },
  });
}
