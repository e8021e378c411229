import type { AuditEntryDto, FlagDto } from '@tailslide/contracts';
import { useMemo, useState } from 'react';
import { ErrorState, Loading } from '../../../components/ui/states.js';
import {
  formatCount,
  formatDateTime,
  formatDuration,
  formatPercent,
  formatRelative,
} from '../../../lib/format.js';
import { useOnReconnect, useSocketEvent } from '../../../lib/socket.js';
import { useNow, useResource } from '../../../lib/use-resource.js';
import { mergeEntries } from '../../logs/index.js';
import { getCircuitHistory, TIME_WINDOWS, type TimeWindow } from '../api/circuits-api.js';
import { useTimeSeries } from '../hooks/use-time-series.js';
import { nextCircuitStep, summarize, toChartData } from '../utils/circuit-chart-data.js';
import { CircuitChart } from './circuit-chart.js';
import { CircuitStateBadge } from './circuit-state-badge.js';
import { recoveryAfter } from '../utils/transition.js';

const WINDOW_LABEL: Record<TimeWindow, string> = {
  '30s': '30 s',
  '10m': '10 min',
  '1h': '1 h',
  '24h': '24 h',
};

/** Circuit health of one flag: live state, recovery ramp, error-rate chart and transitions. */
export function CircuitHealth({ flag }: { readonly flag: FlagDto }) {
  const [window, setWindow] = useState<TimeWindow>('10m');
  const now = useNow(1000);
  const status = flag.circuitStatus;
  const next = nextCircuitStep(status, flag.circuit);

  return (
    <div className="circuit">
      <div className="circuit__status card" aria-live="polite">
        <div className="stat">
          <span className="stat__label">State</span>
          <span className="stat__value" data-testid="circuit-state">
            <CircuitStateBadge flag={flag} />
          </span>
          <span className="muted">since {formatRelative(status.changedAt, now)}</span>
        </div>
        <div className="stat stat--grow">
          <span className="stat__label" id="recovery-label">
            Recovery
          </span>
          <div
            className="progress"
            role="progressbar"
            aria-labelledby="recovery-label"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={status.recoveryPercentage}
          >
            <div
              className={`progress__bar progress__bar--${status.state}`}
              style={{ width: `${status.recoveryPercentage}%` }}
            />
          </div>
          <span className="muted">
            {formatPercent(status.recoveryPercentage)} of the rollout admitted · effective{' '}
            {formatPercent(
              !flag.active || status.state === 'open'
                ? 0
                : (flag.rolloutPercentage * status.recoveryPercentage) / 100,
            )}{' '}
            of users
          </span>
          {next && (
            <span className="muted">
              Next: {next.description}{' '}
              {next.dueAt > now
                ? `in ~${formatDuration(Math.ceil((next.dueAt - now) / 1000) * 1000)}`
                : 'as soon as Airbag finds it healthy'}
            </span>
          )}
        </div>
        <div className="stat">
          <span className="stat__label">Trips when</span>
          <span>
            errors ≥ {formatPercent(flag.circuit.errorThresholdPercentage)} over{' '}
            {formatDuration(flag.circuit.windowMs)}
          </span>
          <span className="muted">
            with at least {formatCount(flag.circuit.minimumRequests)} requests
            {flag.circuit.mode === 'relative' ? ' in each arm' : ''}
          </span>
          {flag.circuit.mode === 'relative' && (
            <span className="muted" data-testid="relative-mode">
              and ≥ {flag.circuit.relativeMarginPoints} points above the control arm (flag-off
              users)
            </span>
          )}
        </div>
      </div>

      <fieldset className="segmented" aria-label="Time window">
        <legend className="visually-hidden">Time window</legend>
        {TIME_WINDOWS.map((w) => (
          <label
            key={w}
            className={w === window ? 'segmented__item segmented__item--on' : 'segmented__item'}
          >
            <input
              type="radio"
              name="ts-window"
              value={w}
              checked={w === window}
              onChange={() => setWindow(w)}
            />
            {WINDOW_LABEL[w]}
          </label>
        ))}
      </fieldset>
      <TimeSeriesPanel flag={flag} window={window} />
      <CircuitHistory flag={flag} />
    </div>
  );
}

function TimeSeriesPanel({
  flag,
  window,
}: {
  readonly flag: FlagDto;
  readonly window: TimeWindow;
}) {
  const { state, reload } = useTimeSeries(flag.appId, flag.key, window);
  const data = state.data;
  const chart = useMemo(() => (data ? toChartData(data) : null), [data]);
  const totals = useMemo(() => (data ? summarize(data) : null), [data]);
  if (!data || !chart || !totals) {
    if (state.status === 'error') return <ErrorState error={state.error} onRetry={reload} />;
    return <Loading label="Loading circuit health…" />;
  }
  const control = totals.control;
  const summary =
    `Last ${WINDOW_LABEL[window]}: ${formatCount(totals.requests)} requests, ${formatCount(totals.failures)} failures, error rate ${formatPercent(totals.errorRatePercentage)}, peak ${formatPercent(totals.peakErrorRatePercentage)}, against a threshold of ${formatPercent(data.thresholdPercentage)}.` +
    (control
      ? ` Control arm (flag off): ${formatCount(control.requests)} requests, error rate ${formatPercent(control.errorRatePercentage)}.`
      : '') +
    (data.marks.length > 0
      ? ` Marked: ${data.marks.map((m) => `${m.action} at ${formatDateTime(new Date(m.t).toISOString())}`).join(', ')}.`
      : '');
  return (
    <div className="card">
      <dl className="totals" data-testid="ts-totals">
        <div>
          <dt>Requests</dt>
          <dd>{formatCount(totals.requests)}</dd>
        </div>
        <div>
          <dt>Failures</dt>
          <dd>{formatCount(totals.failures)}</dd>
        </div>
        <div>
          <dt>Error rate</dt>
          <dd>{formatPercent(totals.errorRatePercentage)}</dd>
        </div>
        <div>
          <dt>Peak</dt>
          <dd title="Highest error rate of a second with at least 5 requests">
            {formatPercent(totals.peakErrorRatePercentage)}
          </dd>
        </div>
        <div>
          <dt>Threshold</dt>
          <dd>{formatPercent(data.thresholdPercentage)}</dd>
        </div>
        {control && (
          <div>
            <dt>Control error rate</dt>
            <dd title={`${formatCount(control.requests)} requests with the flag off`}>
              {formatPercent(control.errorRatePercentage)}
            </dd>
          </div>
        )}
      </dl>
      {state.status === 'error' && (
        <p className="field__error" role="status">
          Refresh failed; showing the last data.
        </p>
      )}
      <CircuitChart data={chart} window={window} marks={data.marks} summary={summary} />
      {totals.requests === 0 && !control && (
        <p className="muted chart__empty">No traffic recorded for this flag in this window yet.</p>
      )}
    </div>
  );
}

function CircuitHistory({ flag }: { readonly flag: FlagDto }) {
  const history = useResource(`ch:${flag.appId}:${flag.key}`, (signal) =>
    getCircuitHistory(flag.appId, flag.key, signal),
  );
  const { mutate, reload } = history;
  useSocketEvent('audit.appended', ({ entry }) => {
    if (
      entry.appId === flag.appId &&
      entry.flagKey === flag.key &&
      entry.action.startsWith('circuit.')
    ) {
      mutate((page) => ({ ...page, items: mergeEntries(page.items, [entry]) }));
    }
  });
  useOnReconnect(reload);
  return (
    <section aria-labelledby="history-title" className="card">
      <h3 id="history-title">Transitions</h3>
      {history.state.status === 'loading' && <Loading />}
      {history.state.status === 'error' && (
        <ErrorState error={history.state.error} onRetry={reload} />
      )}
      {history.state.status === 'success' && history.state.data.items.length === 0 && (
        <p className="muted">This circuit has never tripped.</p>
      )}
      {history.state.status === 'success' && history.state.data.items.length > 0 && (
        <ol className="timeline" aria-label="Circuit transitions">
          {history.state.data.items.map((e) => (
            <TransitionItem key={e.id} entry={e} />
          ))}
        </ol>
      )}
    </section>
  );
}

function TransitionItem({ entry }: { readonly entry: AuditEntryDto }) {
  const pct = recoveryAfter(entry);
  const kind = entry.action.replace('circuit.', '');
  return (
    <li className={`timeline__item timeline__item--${kind}`}>
      <span className="timeline__dot" aria-hidden="true" />
      <div>
        <strong>{entry.action}</strong>
        {pct !== null && <span className="muted"> → {formatPercent(pct)}</span>}
        <span className="muted">
          {' '}
          · {formatDateTime(entry.at)} · {entry.actor}
        </span>
        {entry.reason && <p className="timeline__reason">{entry.reason}</p>}
      </div>
    </li>
  );
}
