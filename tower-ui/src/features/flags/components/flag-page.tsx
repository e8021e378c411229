import { MAX_REASON_LENGTH, Role } from '@tailslide/contracts';
import { lazy, Suspense, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog.js';
import { ErrorState, Loading } from '../../../components/ui/states.js';
import { Tabs } from '../../../components/ui/tabs.js';
import { ToggleSwitch } from '../../../components/ui/toggle-switch.js';
import { useToast } from '../../../components/ui/toast.js';
import { useSocketEvent } from '../../../lib/socket.js';
import { useResource } from '../../../lib/use-resource.js';
import { getApp } from '../../apps/index.js';
import { formatPercent } from '../../../lib/format.js';
import { CircuitStateBadge } from '../../circuits/index.js';
import { useCan } from '../../auth/index.js';
import { deleteFlag } from '../api/flags-api.js';
import { useFlag } from '../hooks/use-flag.js';
import { useToggleFlag } from '../hooks/use-toggle-flag.js';
import { FlagFormDialog } from './flag-form-dialog.js';
import { FlagInfo } from './flag-info.js';
import { FlagLogs } from './flag-logs.js';
import { FlagState } from './flag-row.js';

// The chart library is only needed on the Circuit health tab: load it with that tab.
const CircuitHealth = lazy(() =>
  import('../../circuits/components/circuit-health.js').then((m) => ({ default: m.CircuitHealth })),
);

const TABS = [
  { key: 'info', label: 'Info' },
  { key: 'logs', label: 'Logs' },
  { key: 'circuit', label: 'Circuit health' },
] as const;
type TabKey = (typeof TABS)[number]['key'];
const isTab = (v: string | null): v is TabKey => TABS.some((t) => t.key === v);

/** One flag: header with its switch and circuit state, then Info / Logs / Circuit health. */
export function FlagPage() {
  const { appId = '', flagKey = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const tabParam = search.get('tab');
  const tab: TabKey = isTab(tabParam) ? tabParam : 'info';
  const { state, reload, apply, deleted } = useFlag(appId, flagKey);
  const { toggle, isPending } = useToggleFlag(apply);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const notify = useToast();
  const canEdit = useCan(Role.editor);
  const [reason, setReason] = useState('');
  const navigate = useNavigate();
  const appHref = `/apps/${encodeURIComponent(appId)}`;
  const app = useResource(`app:${appId}`, (signal) => getApp(appId, signal));
  // The breadcrumb follows a rename made anywhere.
  useSocketEvent('app.changed', ({ app: a }) => {
    if (a.id === appId) app.mutate(() => a);
  });

  const breadcrumb = (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <Link to="/apps">Apps</Link> <span aria-hidden="true">/</span>{' '}
      <Link to={appHref}>{app.state.data?.title ?? `App ${appId}`}</Link>{' '}
      <span aria-hidden="true">/</span> <span>{flagKey}</span>
    </nav>
  );
  if (state.status === 'loading') {
    return (
      <section className="page">
        {breadcrumb}
        <Loading label="Loading flag…" />
      </section>
    );
  }
  if (!state.data) {
    return (
      <section className="page">
        {breadcrumb}
        <ErrorState error={state.error} onRetry={reload} />
      </section>
    );
  }
  const flag = state.data;
  return (
    <section aria-labelledby="flag-title" className="page">
      {breadcrumb}
      {deleted && (
        <p role="alert" className="banner banner--error">
          This flag was deleted. <Link to={appHref}>Back to the app</Link>
        </p>
      )}
      {flag.circuitStatus.state !== 'closed' && flag.circuit.enabled && (
        <p className={`banner banner--${flag.circuitStatus.state}`} role="status">
          {flag.circuitStatus.state === 'open'
            ? 'Circuit tripped: Airbag forced this flag off because of errors. '
            : `Recovering: ${formatPercent(flag.circuitStatus.recoveryPercentage)} of the rollout is admitted again. `}
          {tab !== 'circuit' && (
            <Link to="?tab=circuit" replace>
              See circuit health
            </Link>
          )}
        </p>
      )}
      <div className="page__header flag-header">
        <div>
          <h1 id="flag-title">{flag.title}</h1>
          <p className="muted">
            <code>{flag.key}</code> · version {flag.version}
          </p>
        </div>
        <div className="page__actions">
          {canEdit ? (
            <>
              <input
                className="reason-input"
                aria-label="Reason for switching (optional)"
                placeholder="Reason (optional)"
                maxLength={MAX_REASON_LENGTH}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
              />
              <ToggleSwitch
                checked={flag.active}
                label={`${flag.title} active`}
                disabled={isPending(flag) || deleted}
                onChange={(next) => {
                  toggle(flag, next, reason);
                  setReason('');
                }}
              />
            </>
          ) : (
            <FlagState active={flag.active} />
          )}
          <CircuitStateBadge flag={flag} />
          {canEdit && (
            <>
              <button
                type="button"
                className="button"
                onClick={() => setEditing(true)}
                disabled={deleted}
              >
                Edit
              </button>
              <button
                type="button"
                className="button button--danger-outline"
                onClick={() => setDeleting(true)}
                disabled={deleted}
              >
                Delete
              </button>
            </>
          )}
        </div>
      </div>
      <Tabs
        label="Flag sections"
        tabs={TABS}
        active={tab}
        onSelect={(k) => {
          const q = new URLSearchParams(search);
          if (k === 'info') q.delete('tab');
          else q.set('tab', k);
          setSearch(q, { replace: true });
        }}
      >
        {tab === 'info' && <FlagInfo flag={flag} />}
        {tab === 'logs' && <FlagLogs appId={appId} flagKey={flagKey} />}
        {tab === 'circuit' && (
          <Suspense fallback={<Loading label="Loading circuit health…" />}>
            <CircuitHealth flag={flag} />
          </Suspense>
        )}
      </Tabs>
      <FlagFormDialog
        open={editing}
        appId={appId}
        flag={flag}
        onClose={() => setEditing(false)}
        onSaved={(f) => {
          apply(f);
          setEditing(false);
          notify(`Flag "${f.title}" saved.`, 'success');
        }}
      />
      <ConfirmDialog
        open={deleting}
        title="Delete flag?"
        confirmLabel="Delete flag"
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          await deleteFlag(appId, flagKey);
          notify(`Flag "${flag.title}" deleted.`, 'success');
          void navigate(appHref);
        }}
      >
        <p>
          Delete <strong>{flag.title}</strong> (<code>{flag.key}</code>)? SDKs will evaluate it to
          their default from now on.
        </p>
      </ConfirmDialog>
    </section>
  );
}
