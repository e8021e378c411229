import type { DocumentedRouter } from '../http.js';
import type { TowerMetrics } from './metrics.js';

/** A readiness probe of one dependency: resolves when healthy, rejects otherwise. */
export type ReadinessCheck = () => Promise<void>;

/** What the ops routes need. */
export interface OpsRoutesDeps {
  readonly metrics: TowerMetrics;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  readonly openapi: () => unknown;
}

const CHECK_TIMEOUT_MS = 1_500;

async function runCheck(check: ReadinessCheck): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** /healthz (process alive), /readyz (Postgres and NATS answer), /metrics, /api/openapi.json. */
export function registerOpsRoutes(r: DocumentedRouter, deps: OpsRoutesDeps): void {
  const tag = 'ops';
  r.add(
    {
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process serves HTTP',
      tag,
      responses: { 200: { description: 'Alive' } },
    },
    (_req, res) => {
      res.json({ status: 'ok' });
    },
  );
  r.add(
    {
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: Postgres and NATS answer',
      tag,
      responses: { 200: { description: 'Ready' }, 503: { description: 'A dependency is down' } },
    },
    async (_req, res) => {
      const names = Object.keys(deps.checks);
      const results = await Promise.all(names.map((n) => runCheck(deps.checks[n]!)));
      const checks = Object.fromEntries(names.map((n, i) => [n, results[i]]));
      const ok = results.every((x) => x.ok);
      res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'unavailable', checks });
    },
  );
  r.add(
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      tag,
      responses: { 200: { description: 'Prometheus text format' } },
    },
    async (_req, res) => {
      res
        .set('Content-Type', deps.metrics.registry.contentType)
        .send(await deps.metrics.registry.metrics());
    },
  );
  r.add(
    {
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This document',
      tag,
      responses: { 200: { description: 'OpenAPI 3.1 document' } },
    },
    (_req, res) => {
      res.json(deps.openapi());
    },
  );
}
