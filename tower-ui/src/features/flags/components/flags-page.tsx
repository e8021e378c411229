import { Role, type FlagDto } from '@tailslide/contracts';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog.js';
import { LoadMore } from '../../../components/ui/load-more.js';
import { EmptyState, ErrorState, Loading } from '../../../components/ui/states.js';
import { useToast } from '../../../components/ui/toast.js';
import { useSocketEvent } from '../../../lib/socket.js';
import { useResource } from '../../../lib/use-resource.js';
import { getApp } from '../../apps/index.js';
import { useCan } from '../../auth/index.js';
import { deleteFlag } from '../api/flags-api.js';
import { useFlags } from '../hooks/use-flags.js';
import { useToggleFlag } from '../hooks/use-toggle-flag.js';
import { removeFlag } from '../utils/flag-list.js';
import { FlagFormDialog } from './flag-form-dialog.js';
import { FlagRow } from './flag-row.js';

/** The flags of one app: toggle, rollout and circuit state per row; add, edit, delete. */
export function FlagsPage() {
  const { appId = '' } = useParams();
  const app = useResource(`app:${appId}`, (signal) => getApp(appId, signal));
  const { state, reload, mutate, apply, more } = useFlags(appId);
  const { toggle, isPending } = useToggleFlag(apply);
  const notify = useToast();
  const canEdit = useCan(Role.editor);
  const [editing, setEditing] = useState<FlagDto | null>(null);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<FlagDto | null>(null);
  const [query, setQuery] = useState('');
  const [appGone, setAppGone] = useState(false);
  useSocketEvent('app.changed', ({ app: a }) => {
    if (a.id === appId) app.mutate(() => a);
  });
  useSocketEvent('app.deleted', (p) => {
    if (p.appId === appId) setAppGone(true);
  });

  const flags = state.data;
  const visible = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!flags || q === '') return flags ?? [];
    return flags.filter(
      (f) => f.key.toLowerCase().includes(q) || f.title.toLowerCase().includes(q),
    );
  }, [flags, query]);

  const title = app.state.data?.title ?? `App ${appId}`;
  return (
    <section aria-labelledby="flags-title" className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/apps">Apps</Link> <span aria-hidden="true">/</span> <span>{title}</span>
      </nav>
      <div className="page__header">
        <h1 id="flags-title">{title}</h1>
        <div className="page__actions">
          <Link className="button" to={`/logs?appId=${encodeURIComponent(appId)}`}>
            App logs
          </Link>
          {canEdit && (
            <button
              type="button"
              className="button button--primary"
              onClick={() => setAdding(true)}
              disabled={appGone}
            >
              Add flag
            </button>
          )}
        </div>
      </div>
      {appGone && (
        <p role="alert" className="banner banner--error">
          This app was deleted. <Link to="/apps">Back to apps</Link>
        </p>
      )}
      {app.state.status === 'error' && !appGone && (
        <ErrorState error={app.state.error} onRetry={app.reload} />
      )}
      {flags && flags.length > 0 && (
        <div className="field field--inline toolbar">
          <label htmlFor="flag-search">Search flags</label>
          <input
            id="flag-search"
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="key or title"
          />
        </div>
      )}
      {state.status === 'loading' && <Loading label="Loading flags…" />}
      {state.status === 'error' && app.state.status !== 'error' && (
        <ErrorState error={state.error} onRetry={reload} />
      )}
      {state.status === 'success' && state.data.length === 0 && (
        <EmptyState title="No flags in this app yet.">
          {canEdit && (
            <button
              type="button"
              className="button button--primary"
              onClick={() => setAdding(true)}
            >
              Add the first flag
            </button>
          )}
        </EmptyState>
      )}
      {flags && flags.length > 0 && (
        <>
          <div className="flag-list__head" aria-hidden="true">
            <span>Flag</span>
            <span>On/off</span>
            <span>Rollout</span>
            <span>Circuit</span>
            <span />
          </div>
          <ul className="flag-list" aria-label="Flags">
            {visible.map((f) => (
              <FlagRow
                key={f.id}
                flag={f}
                pending={isPending(f)}
                canEdit={canEdit}
                onToggle={toggle}
                onEdit={setEditing}
                onDelete={setDeleting}
              />
            ))}
          </ul>
          {visible.length === 0 && <p className="muted">No flag matches “{query}”.</p>}
          <LoadMore more={more} label="Load more flags" />
        </>
      )}
      <FlagFormDialog
        open={adding || editing !== null}
        appId={appId}
        flag={editing ? (flags?.find((f) => f.id === editing.id) ?? editing) : null}
        onClose={() => {
          setAdding(false);
          setEditing(null);
        }}
        onSaved={(flag) => {
          apply(flag);
          notify(
            adding ? `Flag "${flag.title}" created.` : `Flag "${flag.title}" saved.`,
            'success',
          );
          setAdding(false);
          setEditing(null);
        }}
      />
      <ConfirmDialog
        open={deleting !== null}
        title="Delete flag?"
        confirmLabel="Delete flag"
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          await deleteFlag(deleting.appId, deleting.key);
          mutate((list) => removeFlag(list, deleting.appId, deleting.key));
          notify(`Flag "${deleting.title}" deleted.`, 'success');
        }}
      >
        <p>
          Delete <strong>{deleting?.title}</strong> (<code>{deleting?.key}</code>)? SDKs will
          evaluate it to their default from now on.
        </p>
      </ConfirmDialog>
    </section>
  );
}
