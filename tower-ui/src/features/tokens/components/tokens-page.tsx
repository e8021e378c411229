import { Role, type ApiTokenDto, type CreatedApiTokenDto } from '@tailslide/contracts';
import { useState } from 'react';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog.js';
import { CopyOnceSecret } from '../../../components/ui/copy-once-secret.js';
import { DataTable } from '../../../components/ui/data-table.js';
import { InlineForm } from '../../../components/ui/inline-form.js';
import { Page } from '../../../components/ui/page.js';
import { ResourceList } from '../../../components/ui/resource-list.js';
import { RoleSelect } from '../../../components/ui/role-select.js';
import { RevocableCells } from '../../../components/ui/revocable-cells.js';
import { EmptyState } from '../../../components/ui/states.js';
import { useToast } from '../../../components/ui/toast.js';
import { formatDateTime } from '../../../lib/format.js';
import { useAuditedPages } from '../../../lib/use-paged-resource.js';
import { useSubmit } from '../../../lib/use-submit.js';
import { createToken, listTokens, revokeToken } from '../api/tokens-api.js';

/** API tokens (admins only): create with a role (secret shown once), last use, revoke. */
export function TokensPage() {
  const { state, reload, mutate, more } = useAuditedPages<ApiTokenDto>(
    'tokens',
    listTokens,
    'api_token',
  );
  const notify = useToast();
  const submit = useSubmit();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(Role.viewer);
  const [created, setCreated] = useState<CreatedApiTokenDto | null>(null);
  const [revoking, setRevoking] = useState<ApiTokenDto | null>(null);

  return (
    <Page titleId="tokens-title" title="API tokens">
      <p className="muted">
        Scripts and CI send a token as <code>Authorization: Bearer …</code> and act with its role.
        The secret is shown once; Tower keeps only its hash.
      </p>
      <InlineForm
        label="Create API token"
        submitLabel="Create token"
        busyLabel="Creating…"
        busy={submit.busy}
        error={submit.error}
        onSubmit={() => {
          if (name.trim() === '') {
            submit.fail('Give the token a name (e.g. the job that will use it).');
            return;
          }
          submit.run(
            () => createToken({ name: name.trim(), role }),
            (c) => {
              setName('');
              setCreated(c);
              mutate((list) => [c.token, ...list.filter((x) => x.id !== c.token.id)]);
            },
          );
        }}
      >
        <div className="field field--grow">
          <label htmlFor="new-token-name">Token name</label>
          <input
            id="new-token-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. deploy-pipeline"
            maxLength={200}
          />
        </div>
        <div className="field">
          <label htmlFor="new-token-role">Role</label>
          <RoleSelect id="new-token-role" value={role} onChange={setRole} />
        </div>
      </InlineForm>
      {created && (
        <CopyOnceSecret
          secret={created.secret}
          name={created.token.name}
          kind="API token"
          noun="token"
          onDone={() => setCreated(null)}
        />
      )}
      <ResourceList
        state={state}
        onRetry={reload}
        more={more}
        loadingLabel="Loading tokens…"
        empty={<EmptyState title="No API tokens yet." />}
      >
        {(items) => (
          <DataTable
            caption="API tokens"
            columns={['Name', 'Role', 'Created', 'Last used', 'Status']}
            actions
            items={items}
            rowKey={(t) => t.id}
            rowClassName={(t) => (t.revokedAt ? 'row--revoked' : undefined)}
            row={(t) => (
              <>
                <td data-label="Name">{t.name}</td>
                <td data-label="Role">{t.role}</td>
                <td className="nowrap" data-label="Created">
                  {formatDateTime(t.createdAt)} <span className="muted">by {t.createdBy}</span>
                </td>
                <td className="nowrap" data-label="Last used">
                  {t.lastUsedAt ? formatDateTime(t.lastUsedAt) : 'never'}
                </td>
                <RevocableCells
                  name={t.name}
                  revokedAt={t.revokedAt}
                  onRevoke={() => setRevoking(t)}
                />
              </>
            )}
          />
        )}
      </ResourceList>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke API token?"
        confirmLabel="Revoke token"
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          if (!revoking) return;
          await revokeToken(revoking.id);
          const at = new Date().toISOString();
          mutate((list) => list.map((t) => (t.id === revoking.id ? { ...t, revokedAt: at } : t)));
          notify(`Token "${revoking.name}" revoked.`, 'success');
          reload();
        }}
      >
        <p>
          Anything using <strong>{revoking?.name}</strong> will be refused from now on. This cannot
          be undone.
        </p>
      </ConfirmDialog>
    </Page>
  );
}
