import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CircuitState } from '@tailslide/contracts';

/** Prometheus metrics of one Airbag instance, on its own registry (no global state). */
export class AirbagMetrics {
  readonly registry = new Registry();
  readonly ticks = new Counter({
    name: 'airbag_ticks_total',
    help: 'Poll ticks by role and outcome (ok, redis_unavailable: no decision taken, error)',
    labelNames: ['role', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly tickDuration = new Histogram({
    name: 'airbag_tick_duration_seconds',
    help: 'Duration of a leader tick (lease, Redis read, decisions, publishes)',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly circuits = new Gauge({
    name: 'airbag_circuits',
    help: 'Watched circuits (circuit enabled) by state',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly transitions = new Counter({
    name: 'airbag_transitions_total',
    help: 'Circuit events stored by the stream, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly publishFailures = new Counter({
    name: 'airbag_publish_failures_total',
    help: 'Circuit event publishes that were not acked (retried on a later tick with the same id)',
    registers: [this.registry],
  });
  readonly noData = new Counter({
    name: 'airbag_no_data_total',
    help: 'Circuit evaluations skipped for lack of data (failed or empty read)',
    registers: [this.registry],
  });
  readonly redisUp = new Gauge({
    name: 'airbag_redis_up',
    help: '1 when the last signal read succeeded',
    registers: [this.registry],
  });
  readonly watchRereads = new Counter({
    name: 'airbag_watch_rereads_total',
    help: 'Flag watches re-opened (every key re-read) because the bucket was recreated or purged',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly wakes = new Counter({
    name: 'airbag_wakes_total',
    help: 'Signal wake-ups heard (ADR 0003): queued (a tick of the app is due), coalesced (rode on one already due) or ignored (unknown app or channel)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'airbag_leader',
    help: '1 while this instance holds the lease',
    registers: [this.registry],
  });

  setCircuitCounts(counts: Readonly<Record<CircuitState, number>>): void {
    for (const [state, n] of Object.entries(counts)) this.circuits.set({ state }, n);
  }
}
