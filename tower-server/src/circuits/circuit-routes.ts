import type { TimeSeriesDto } from '@tailslide/contracts';
import type { AuditService } from '../audit/audit-service.js';
import { pageQuerySchema } from '../audit/audit-schemas.js';
import { UnavailableError } from '../errors.js';
import { parseFlagKey, type FlagService } from '../flags/flag-service.js';
import { param, type DocumentedRouter } from '../http.js';
import { parseId, parseInput } from '../validation.js';
import { timeseriesQuerySchema } from './circuit-schemas.js';
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
export function registerCircuitRoutes(r: DocumentedRouter, deps: CircuitRoutesDeps): void {
  const tag = 'circuits';
  const now = deps.now ?? Date.now;
  r.add(
    {
      method: 'get',
      path: '/api/apps/:appId/flags/:flagKey/circuit/history',
      summary: "A flag's circuit transitions (circuit.* audit entries)",
      tag,
      query: pageQuerySchema,
      responses: {
        200: { description: 'A page of audit entries', schema: 'AuditPage' },
        400: { description: 'Invalid query', schema: 'Error' },
      },
    },
    async (req, res) => {
      const q = parseInput(pageQuerySchema, req.query, 'query');
      const filters = {
        ...q,
        appId: parseId(param(req, 'appId'), 'app'),
        flagKey: parseFlagKey(param(req, 'flagKey')),
      };
      res.json(await deps.audit.query(filters, 'circuit.'));
    },
  );
  r.add(
    {
      method: 'get',
      path: '/api/apps/:appId/flags/:flagKey/timeseries',
      summary:
        'Requests, failures and error rate per bucket (1 s buckets for 30s/10m, 60 s for 1h/24h)',
      tag,
      query: timeseriesQuerySchema,
      responses: {
        200: { description: 'The series', schema: 'TimeSeries' },
        404: { description: 'No such flag', schema: 'Error' },
        503: { description: 'Redis unavailable', schema: 'Error' },
      },
    },
    async (req, res) => {
      const q = parseInput(timeseriesQuerySchema, req.query, 'query');
      const window = q.window ?? '10m';
      const flag = await deps.flags.get(param(req, 'appId'), param(req, 'flagKey'));
      if (!deps.signals)
        throw new UnavailableError('signals are unavailable: Tower runs without Redis');
      const { windowMs, resolutionMs } = TIMESERIES_WINDOWS[window];
      let points;
      try {
        points = await deps.signals.read(flag.appId, flag.key, windowMs, resolutionMs, now());
      } catch (err) {
        throw new UnavailableError('signals are unavailable: Redis did not answer', { cause: err });
      }
      const body: TimeSeriesDto = {
        window,
        resolutionMs,
        thresholdPercentage: flag.circuit.errorThresholdPercentage,
        points,
      };
      res.json(body);
    },
  );
}
