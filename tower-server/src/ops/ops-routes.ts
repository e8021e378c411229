import type { z } from 'zod';
import type { DocumentedRouter } from '../http.js';
import type { TowerMetrics } from './metrics.js';
import { healthSchema, openApiDocumentSchema, readinessSchema } from './ops-schemas.js';

/** A readiness probe of one dependency: resolves when healthy, rejects otherwise. */
export type ReadinessCheck = () => Promise<void>;

/** What the ops routes need. */
export interface OpsRoutesDeps {
  readonly metrics: TowerMetrics;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  readonly openapi: () => z.input<typeof openApiDocumentSchema>;
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
export function registerOpsRoutes(router: DocumentedRouter, deps: OpsRoutesDeps): void {
  const r = router.tagged('ops');
  r.get('/healthz', 'Liveness: the process serves HTTP', {
    role: 'public',
    response: healthSchema,
    handler: () => ({ status: 'ok' as const }),
  });
  r.get('/readyz', 'Readiness: Postgres and NATS answer', {
    role: 'public',
    response: readinessSchema,
    errors: { 503: { description: 'A dependency is down', schema: readinessSchema } },
    handler: async ({ res }) => {
      const names = Object.keys(deps.checks);
      const results = await Promise.all(names.map((n) => runCheck(deps.checks[n]!)));
      const checks = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
      const ok = results.every((x) => x.ok);
      res.status(ok ? 200 : 503);
      return { status: ok ? ('ready' as const) : ('unavailable' as const), checks };
    },
  });
  r.get('/metrics', 'Prometheus metrics', {
    role: 'public',
    status: 200,
    description: 'Prometheus text format',
    contentType: 'text/plain',
    handler: async ({ res }) => {
      res
        .set('Content-Type', deps.metrics.registry.contentType)
        .send(await deps.metrics.registry.metrics());
    },
  });
  // Signed in only, like every /api route: the document maps every operation an attacker could
  // try (admin ones included); whoever may call the API has a session or a token to read it.
  r.get('/api/openapi.json', 'This document', {
    role: 'viewer',
    response: openApiDocumentSchema,
    description: 'OpenAPI 3.1 document',
    handler: () => deps.openapi(),
  });
}
