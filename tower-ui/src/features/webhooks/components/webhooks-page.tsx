import type { WebhookDto } from '@tailslide/contracts';
import { useState } from 'react';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog.js';
import { InlineForm } from '../../../components/ui/inline-form.js';
import { Page } from '../../../components/ui/page.js';
import { ResourceList } from '../../../components/ui/resource-list.js';
import { RowAction } from '../../../components/ui/row-action.js';
import { EmptyState } from '../../../components/ui/states.js';
import { useToast } from '../../../components/ui/toast.js';
import { formatDateTime } from '../../../lib/format.js';
import { useAuditedPages } from '../../../lib/use-paged-resource.js';
import { useSubmit } from '../../../lib/use-submit.js';
import { createWebhook, deleteWebhook, listWebhooks } from '../api/webhooks-api.js';
import { WebhookDeliveries } from './webhook-deliveries.js';

/** Alert webhooks: add (URL kept secret server-side), list masked, delete, see deliveries. */
export function WebhooksPage() {
  // Webhooks added or deleted elsewhere show up without a reload.
  const { state, reload, mutate, more } = useAuditedPages<WebhookDto>(
    'webhooks',
    listWebhooks,
    'webhook',
  );
  const notify = useToast();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const submit = useSubmit();
  const [deleting, setDeleting] = useState<WebhookDto | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  return (
    <Page titleId="hooks-title" title="Webhooks">
      <p className="muted">
        Tower posts circuit alerts to these URLs for the flags that subscribe to them.
      </p>
      <InlineForm
        label="Add webhook"
        submitLabel="Add webhook"
        busyLabel="Adding…"
        busy={submit.busy}
        error={submit.error}
        onSubmit={() => {
          if (name.trim() === '' || url.trim() === '') {
            submit.fail('Name and URL are required.');
            return;
          }
          submit.run(
            () => createWebhook(name.trim(), url.trim()),
            (w) => {
              setName('');
              setUrl('');
              mutate((list) => [...list.filter((x) => x.id !== w.id), w]);
              notify(`Webhook "${w.name}" added.`, 'success');
            },
          );
        }}
      >
        <div className="field">
          <label htmlFor="hook-name">Name</label>
          <input
            id="hook-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. On-call Slack"
          />
        </div>
        <div className="field field--grow">
          <label htmlFor="hook-url">URL</label>
          <input
            id="hook-url"
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://hooks.example.com/…"
          />
        </div>
      </InlineForm>
      <ResourceList
        state={state}
        onRetry={reload}
        more={more}
        loadingLabel="Loading webhooks…"
        empty={<EmptyState title="No webhooks yet." />}
      >
        {(items) => (
          <ul className="card-list" aria-label="Webhooks">
            {items.map((w) => (
              <li key={w.id} className="card">
                <div className="app-card">
                  <div className="app-card__main">
                    <h2 className="app-card__title">{w.name}</h2>
                    <p className="muted">
                      <code>{w.urlMasked}</code> · added {formatDateTime(w.createdAt)}
                    </p>
                  </div>
                  <div className="row-actions">
                    <button
                      type="button"
                      className="button button--small"
                      aria-expanded={open === w.id}
                      onClick={() => setOpen(open === w.id ? null : w.id)}
                    >
                      Deliveries
                    </button>
                    <RowAction
                      label="Delete"
                      target={w.name}
                      danger
                      onClick={() => setDeleting(w)}
                    />
                  </div>
                </div>
                {open === w.id && <WebhookDeliveries id={w.id} />}
              </li>
            ))}
          </ul>
        )}
      </ResourceList>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete webhook?"
        confirmLabel="Delete webhook"
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          await deleteWebhook(deleting.id);
          mutate((list) => list.filter((x) => x.id !== deleting.id));
          notify(`Webhook "${deleting.name}" deleted.`, 'success');
        }}
      >
        <p>
          Flags alerting <strong>{deleting?.name}</strong> will stop doing so.
        </p>
      </ConfirmDialog>
    </Page>
  );
}
