import type { AuditService } from '../audit/audit-service.js';
import { auditPageSchema, pageQuerySchema } from '../audit/audit-schemas.js';
import { UnavailableError } from '../errors.js';
import { flagParams } from '../flags/flag-response-schemas.js';
import type { FlagService } from '../flags/flag-service.js';
import type { DocumentedRouter } from '../http.js';
import { timeSeriesSchema, timeseriesQuerySchema } from './circuit-schemas.js';
import { TIMESERIES_WINDOWS, type SignalReader } from './signal-reader.js';

/** What the circuit routes need. */
export interface CircuitRoutesDeps {
  readonly flags: FlagService;
  readonly audit: AuditService;
  /** `null` when Tower runs without Redis: the time series answers 503. */
  readonly signals: SignalReader | null;
  readonly now?: () => number;
}

/** Circuit history (audit `circuit.*` entries) and the health time series for the charts. */
export function registerCircuitRoutes(router: DocumentedRouter, deps: CircuitRoutesDeps): void {
  const r = router.tagged('circuits');
  const now = deps.now ?? Date.now;
  r.get(
    '/api/apps/:appId/flags/:flagKey/circuit/history',
    "A flag's circuit transitions (circuit.* audit entries)",
    {
      role: 'viewer',
      params: flagParams,
      query: pageQuerySchema,
      response: auditPageSchema,
      handler: ({ params, query }) =>
        deps.audit.query(
          { ...query, appId: Number(params.appId), flagKey: params.flagKey },
          'circuit.',
        ),
    },
  );
  r.get(
    '/api/apps/:appId/flags/:flagKey/timeseries',
    'Requests, failures and error rate per bucket (1 s buckets for 30s/10m, 60 s for 1h/24h)',
    {
      role: 'viewer',
      params: flagParams,
      query: timeseriesQuerySchema,
      response: timeSeriesSchema,
      errors: { 503: 'Redis unavailable (unavailable)' },
      handler: async ({ params, query }) => {
        const window = query.window ?? '10m';
        const flag = await deps.flags.get(params.appId, params.flagKey);
        if (!deps.signals)
          throw new UnavailableError('signals are unavailable: Tower runs without Redis');
        const { windowMs, resolutionMs } = TIMESERIES_WINDOWS[window];
        let points;
        try {
          points = await deps.signals.read(flag.appId, flag.key, windowMs, resolutionMs, now());
        } catch (err) {
          throw new UnavailableError('signals are unavailable: Redis did not answer', {
            cause: err,
          });
        }
        return {
          window,
          resolutionMs,
          thresholdPercentage: flag.circuit.errorThresholdPercentage,
          points,
        };
      },
    },
  );
}
