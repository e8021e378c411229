import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { Page } from '../../../components/ui/page.js';
import { useResource } from '../../../lib/use-resource.js';
import { listAllApps } from '../../apps/index.js';
import { listLogs, type LogFilters } from '../api/logs-api.js';
import { useAuditLog } from '../hooks/use-audit-log.js';
import {
  AUDIT_ACTION_GROUPS,
  AUDIT_ACTIONS,
  filtersFromSearch,
  filtersToSearch,
  isoToLocalInput,
  localInputToIso,
  matchesLogFilters,
} from '../utils/log-filters.js';
import { LogTable } from './log-table.js';

function draftFrom(filters: LogFilters) {
  return {
    appId: filters.appId ?? '',
    flagKey: filters.flagKey ?? '',
    action: filters.action ?? '',
    actor: filters.actor ?? '',
    from: isoToLocalInput(filters.from),
    to: isoToLocalInput(filters.to),
  };
}

/** The global audit log with filters kept in the URL. New entries appear live. */
export function LogsPage() {
  const [search, setSearch] = useSearchParams();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const key = filtersToSearch(filters).toString();
  const log = useAuditLog(
    `logs?${key}`,
    (cursor, signal) => listLogs(filters, cursor, signal),
    (e) => matchesLogFilters(e, filters),
  );
  const apps = useResource('apps', (signal) => listAllApps(signal));
  const [draft, setDraft] = useState(() => draftFrom(filters));
  // On a phone the filters fold away behind a button; on wider screens they are always shown.
  const [showFilters, setShowFilters] = useState(false);
  const activeCount = Object.keys(filters).length;
  // Back/forward or a link changes the URL: show the filters actually applied.
  useEffect(() => setDraft(draftFrom(filtersFromSearch(new URLSearchParams(key)))), [key]);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next: LogFilters = {
      appId: draft.appId,
      flagKey: draft.flagKey.trim(),
      action: draft.action,
      actor: draft.actor.trim(),
      ...(localInputToIso(draft.from) !== undefined ? { from: localInputToIso(draft.from) } : {}),
      ...(localInputToIso(draft.to) !== undefined ? { to: localInputToIso(draft.to) } : {}),
    };
    setSearch(filtersToSearch(next));
  };
  const clear = () => {
    setDraft({ appId: '', flagKey: '', action: '', actor: '', from: '', to: '' });
    setSearch(new URLSearchParams());
  };
  const set = (k: keyof typeof draft) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [k]: e.target.value }));

  return (
    <Page titleId="logs-title" title="Logs">
      <button
        type="button"
        className="button filters-toggle"
        aria-expanded={showFilters}
        aria-controls="log-filters"
        onClick={() => setShowFilters((v) => !v)}
      >
        Filters{activeCount > 0 ? ` (${activeCount} active)` : ''}
      </button>
      <form
        id="log-filters"
        className={showFilters ? 'filters card' : 'filters card filters--collapsed'}
        aria-label="Log filters"
        onSubmit={apply}
      >
        <div className="field">
          <label htmlFor="log-app">App</label>
          <select id="log-app" value={draft.appId} onChange={set('appId')}>
            <option value="">All apps</option>
            {apps.state.data?.map((a) => (
              <option key={a.id} value={a.id}>
                {a.title}
              </option>
            ))}
            {draft.appId !== '' && !apps.state.data?.some((a) => a.id === draft.appId) && (
              <option value={draft.appId}>App {draft.appId}</option>
            )}
          </select>
        </div>
        <div className="field">
          <label htmlFor="log-flag">Flag key</label>
          <input id="log-flag" value={draft.flagKey} onChange={set('flagKey')} spellCheck={false} />
        </div>
        <div className="field">
          <label htmlFor="log-action">Action</label>
          <select id="log-action" value={draft.action} onChange={set('action')}>
            <option value="">All actions</option>
            <optgroup label="Groups">
              {AUDIT_ACTION_GROUPS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </optgroup>
            <optgroup label="Actions">
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </optgroup>
          </select>
        </div>
        <div className="field">
          <label htmlFor="log-actor">Actor</label>
          <input
            id="log-actor"
            value={draft.actor}
            onChange={set('actor')}
            placeholder="e.g. airbag"
          />
        </div>
        <div className="field">
          <label htmlFor="log-from">From</label>
          <input id="log-from" type="datetime-local" value={draft.from} onChange={set('from')} />
        </div>
        <div className="field">
          <label htmlFor="log-to">To</label>
          <input id="log-to" type="datetime-local" value={draft.to} onChange={set('to')} />
        </div>
        <div className="filters__actions">
          <button type="submit" className="button button--primary">
            Apply filters
          </button>
          <button type="button" className="button" onClick={clear}>
            Clear
          </button>
        </div>
      </form>
      <LogTable
        log={log}
        caption="Audit log"
        appTitle={(id) => apps.state.data?.find((a) => a.id === id)?.title}
      />
    </Page>
  );
}
