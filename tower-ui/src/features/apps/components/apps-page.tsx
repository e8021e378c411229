import { Role, type AppDto } from '@tailslide/contracts';
import { useState } from 'react';
import { Link } from 'react-router';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog.js';
import { Page } from '../../../components/ui/page.js';
import { ResourceList } from '../../../components/ui/resource-list.js';
import { RowAction } from '../../../components/ui/row-action.js';
import { EmptyState } from '../../../components/ui/states.js';
import { useToast } from '../../../components/ui/toast.js';
import { formatDateTime } from '../../../lib/format.js';
import { useCan } from '../../auth/index.js';
import { deleteApp } from '../api/apps-api.js';
import { useApps } from '../hooks/use-apps.js';
import { CreateAppForm } from './create-app-form.js';
import { RenameAppDialog } from './rename-app-dialog.js';

/** All apps with their flag counts; create, rename and delete. */
export function AppsPage() {
  const { state, reload, mutate, more } = useApps();
  const notify = useToast();
  const canEdit = useCan(Role.editor);
  const [deleting, setDeleting] = useState<AppDto | null>(null);
  const [renaming, setRenaming] = useState<AppDto | null>(null);
  const upsert = (app: AppDto) =>
    mutate((apps) =>
      apps.some((a) => a.id === app.id)
        ? apps.map((a) => (a.id === app.id ? app : a))
        : [...apps, app],
    );

  return (
    <Page titleId="apps-title" title="Apps">
      {canEdit && (
        <CreateAppForm
          onCreated={(app) => {
            upsert(app);
            notify(`App "${app.title}" created.`, 'success');
          }}
        />
      )}
      <ResourceList
        state={state}
        onRetry={reload}
        more={more}
        loadingLabel="Loading apps…"
        empty={
          <EmptyState title="No apps yet.">
            <p>
              An app groups the flags of one service.
              {canEdit ? ' Create the first one above.' : ''}
            </p>
          </EmptyState>
        }
      >
        {(items) => (
          <ul className="card-list" aria-label="Apps">
            {items.map((app) => (
              <li key={app.id} className="card app-card">
                <div className="app-card__main">
                  <h2 className="app-card__title">
                    <Link to={`/apps/${encodeURIComponent(app.id)}`}>{app.title}</Link>
                  </h2>
                  <p className="muted">
                    <span className="pill">
                      {app.flagCount} {app.flagCount === 1 ? 'flag' : 'flags'}
                    </span>{' '}
                    · id <code>{app.id}</code> · created {formatDateTime(app.createdAt)}
                  </p>
                </div>
                {canEdit && (
                  <div className="row-actions">
                    <RowAction label="Rename" target={app.title} onClick={() => setRenaming(app)} />
                    <RowAction
                      label="Delete"
                      target={app.title}
                      danger
                      onClick={() => setDeleting(app)}
                    />
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
      </ResourceList>
      <RenameAppDialog
        app={renaming}
        onClose={() => setRenaming(null)}
        onRenamed={(app) => {
          upsert(app);
          setRenaming(null);
        }}
      />
      <ConfirmDialog
        open={deleting !== null}
        title="Delete app?"
        confirmLabel="Delete app"
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          await deleteApp(deleting.id);
          mutate((apps) => apps.filter((a) => a.id !== deleting.id));
          notify(`App "${deleting.title}" deleted.`, 'success');
        }}
      >
        <p>
          Delete <strong>{deleting?.title}</strong> and its {deleting?.flagCount ?? 0} flags? SDKs
          will stop seeing them at once. This cannot be undone.
        </p>
      </ConfirmDialog>
    </Page>
  );
}
