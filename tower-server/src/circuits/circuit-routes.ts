import {
  MAX_PAGE_LIMIT,
  type AuditEntryDto,
  type TimeSeriesMarkDto,
  type TimeSeriesMarkKind,
} from '@tailslide/contracts';
import { AuditAction, type AuditService } from '../audit/audit-service.js';
import { auditPageSchema, pageQuerySchema } from '../audit/audit-schemas.js';
import { UnavailableError } from '../errors.js';
import { flagParams } from '../flags/flag-response-schemas.js';
import type { FlagService } from '../flags/flag-service.js';
import type { DocumentedRouter } from '../http.js';
import { timeSeriesSchema, timeseriesQuerySchema } from './circuit-schemas.js';
import { TIMESERIES_WINDOWS, type SignalReader } from './signal-reader.js';

/** Audit actions drawn as marks on the chart: circuit transitions and manual on/off. */
const MARKED_ACTIONS = [
  AuditAction.circuitOpened,
  AuditAction.circuitRecovering,
  AuditAction.circuitStep,
  AuditAction.circuitClosed,
  AuditAction.flagToggledOn,
  AuditAction.flagToggledOff,
] as const;

function toMark(e: AuditEntryDto): TimeSeriesMarkDto {
  const kind: TimeSeriesMarkKind = e.action.startsWith('circuit.')
    ? (e.action.slice('circuit.'.length) as TimeSeriesMarkKind)
    : 'manual';
  return { t: Date.parse(e.at), kind, action: e.action, actor: e.actor, reason: e.reason };
}

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
    'Requests, failures, error rate and peak per bucket, per arm (1 s buckets for 30s/10m, 60 s for 1h/24h), with circuit transitions and manual on/off as marks',
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
        const at = now();
        const marks = await deps.audit.query({
          appId: Number(params.appId),
          flagKey: params.flagKey,
          action: MARKED_ACTIONS.join(','),
          from: new Date(at - windowMs),
          limit: MAX_PAGE_LIMIT,
        });
        return {
          window,
          resolutionMs,
          thresholdPercentage: flag.circuit.errorThresholdPercentage,
          points,
          marks: marks.items.map(toMark).sort((a, b) => a.t - b.t),
        };
      },
    },
  );
}
