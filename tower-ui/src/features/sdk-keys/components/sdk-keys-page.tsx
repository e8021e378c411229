import type { CreatedSdkKeyDto, SdkKeyDto } from '@tailslide/contracts';
import { useState } from 'react';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog.js';
import { CopyOnceSecret } from '../../../components/ui/copy-once-secret.js';
import { InlineForm } from '../../../components/ui/inline-form.js';
import { Page } from '../../../components/ui/page.js';
import { ResourceList } from '../../../components/ui/resource-list.js';
import { RevocableCells } from '../../../components/ui/revocable-cells.js';
import { EmptyState } from '../../../components/ui/states.js';
import { useToast } from '../../../components/ui/toast.js';
import { formatDateTime } from '../../../lib/format.js';
import { useAuditedPages } from '../../../lib/use-paged-resource.js';
import { useResource } from '../../../lib/use-resource.js';
import { useSubmit } from '../../../lib/use-submit.js';
import { listAllApps } from '../../apps/index.js';
import { createSdkKey, listSdkKeys, revokeSdkKey } from '../api/sdk-keys-api.js';
import { SdkSnippet } from './sdk-snippet.js';

/** SDK keys: one per app and service; create (the key is shown once, with a snippet), list, revoke. */
export function SdkKeysPage() {
  // Keys created or revoked elsewhere (another admin, a script) show up without a reload.
  const { state, reload, mutate, more } = useAuditedPages<SdkKeyDto>(
    'sdk-keys',
    listSdkKeys,
    'sdk_key',
  );
  const apps = useResource('apps', (signal) => listAllApps(signal));
  const appTitle = (id: string | null) =>
    id === null ? null : (apps.state.data?.find((a) => a.id === id)?.title ?? `App ${id}`);
  const notify = useToast();
  const [name, setName] = useState('');
  const [appId, setAppId] = useState('');
  const submit = useSubmit();
  const [created, setCreated] = useState<CreatedSdkKeyDto | null>(null);
  const [revoking, setRevoking] = useState<SdkKeyDto | null>(null);

  return (
    <Page titleId="keys-title" title="SDK keys">
      <p className="muted">
        A service reads its app&apos;s flags with an SDK key, and nothing else: NATS and Redis check
        it. The key is shown once when it is created; Tower keeps no copy. Revoking a key cuts its
        services off within seconds.
      </p>
      <InlineForm
        label="Create SDK key"
        submitLabel="Create key"
        busyLabel="Creating…"
        busy={submit.busy}
        error={submit.error}
        onSubmit={() => {
          if (name.trim() === '') {
            submit.fail('Give the key a name (e.g. the service that will use it).');
            return;
          }
          if (appId === '') {
            submit.fail('Pick the app whose flags the key reads.');
            return;
          }
          submit.run(
            () => createSdkKey(name.trim(), appId),
            (k) => {
              setName('');
              setCreated(k);
              const { key: _secret, ...listed } = k;
              mutate((keys) => [
                ...keys.filter((x) => x.id !== k.id),
                { ...listed, revokedAt: null, note: null },
              ]);
            },
          );
        }}
      >
        <div className="field field--grow">
          <label htmlFor="new-key-name">Key name</label>
          <input
            id="new-key-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. checkout-service production"
            maxLength={200}
          />
        </div>
        <div className="field">
          <label htmlFor="new-key-app">App</label>
          <select id="new-key-app" value={appId} onChange={(e) => setAppId(e.target.value)}>
            <option value="">Choose an app…</option>
            {apps.state.data?.map((a) => (
              <option key={a.id} value={a.id}>
                {a.title}
              </option>
            ))}
          </select>
        </div>
      </InlineForm>
      {created && (
        <>
          <CopyOnceSecret
            secret={created.key}
            name={`${created.name} (${appTitle(created.appId) ?? ''})`}
            kind="SDK key"
            noun="key"
            onDone={() => setCreated(null)}
          />
          <SdkSnippet sdkKey={created.key} />
        </>
      )}
      <ResourceList
        state={state}
        onRetry={reload}
        more={more}
        loadingLabel="Loading keys…"
        empty={<EmptyState title="No SDK keys yet." />}
      >
        {(items) => (
          <div className="table-wrap">
            <table className="table table--stack">
              <caption className="visually-hidden">SDK keys</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">App</th>
                  <th scope="col">Key</th>
                  <th scope="col">Created</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((k) => (
                  <tr key={k.id} className={k.revokedAt ? 'row--revoked' : undefined}>
                    <td data-label="Name">
                      {k.name}
                      {k.note && <div className="muted">{k.note}</div>}
                    </td>
                    <td data-label="App">{appTitle(k.appId) ?? '—'}</td>
                    <td data-label="Key">
                      <code>{k.prefix}…</code>
                    </td>
                    <td className="nowrap" data-label="Created">
                      {formatDateTime(k.createdAt)}
                    </td>
                    <RevocableCells
                      name={k.name}
                      revokedAt={k.revokedAt}
                      onRevoke={() => setRevoking(k)}
                    />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ResourceList>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke SDK key?"
        confirmLabel="Revoke key"
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          if (!revoking) return;
          await revokeSdkKey(revoking.id);
          const at = new Date().toISOString();
          mutate((keys) => keys.map((k) => (k.id === revoking.id ? { ...k, revokedAt: at } : k)));
          notify(`Key "${revoking.name}" revoked.`, 'success');
          reload();
        }}
      >
        <p>
          Services using <strong>{revoking?.name}</strong> (<code>{revoking?.prefix}…</code>) will
          be refused from now on. This cannot be undone.
        </p>
      </ConfirmDialog>
    </Page>
  );
}
