import { MIN_PASSWORD_LENGTH, Role, type UserDto } from '@tailslide/contracts';
import { useState } from 'react';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog.js';
import { DataTable } from '../../../components/ui/data-table.js';
import { InlineForm } from '../../../components/ui/inline-form.js';
import { Page } from '../../../components/ui/page.js';
import { ResourceList } from '../../../components/ui/resource-list.js';
import { RoleSelect } from '../../../components/ui/role-select.js';
import { RowAction } from '../../../components/ui/row-action.js';
import { EmptyState } from '../../../components/ui/states.js';
import { useToast } from '../../../components/ui/toast.js';
import { errorMessage } from '../../../lib/api-client.js';
import { formatDateTime } from '../../../lib/format.js';
import { useAuditedPages } from '../../../lib/use-paged-resource.js';
import { useSubmit } from '../../../lib/use-submit.js';
import { useSession, useUser } from '../../auth/index.js';
import { createUser, deleteUser, listUsers, updateUser } from '../api/users-api.js';
import { PasswordField } from '../../../components/ui/password-field.js';

/** Users (admins only): create with a role, change role, disable or enable, delete. */
export function UsersPage() {
  const me = useUser();
  const { signedIn } = useSession();
  const { state, reload, mutate, more } = useAuditedPages<UserDto>('users', listUsers, 'user');
  const notify = useToast();
  const submit = useSubmit();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(Role.editor);
  const [deleting, setDeleting] = useState<UserDto | null>(null);
  const replace = (u: UserDto) => {
    mutate((list) => list.map((x) => (x.id === u.id ? u : x)));
    if (u.id === me.id) signedIn(u);
  };
  const change = (u: UserDto, body: { role?: Role; disabled?: boolean }, done: string) => {
    updateUser(u.id, body).then(
      (saved) => {
        replace(saved);
        notify(done, 'success');
      },
      (err: unknown) => {
        notify(`Could not change ${u.email}: ${errorMessage(err)}`, 'error');
        reload();
      },
    );
  };

  return (
    <Page titleId="users-title" title="Users">
      <p className="muted">
        Viewers read; editors also change apps, flags and circuits; admins also manage users, API
        tokens, SDK keys and webhooks. Passwords are stored only as argon2id hashes.
      </p>
      <InlineForm
        label="Add user"
        submitLabel="Add user"
        busyLabel="Adding…"
        busy={submit.busy}
        error={submit.error}
        onSubmit={() => {
          if (email.trim() === '') {
            submit.fail('Enter the person’s email.');
            return;
          }
          if (password.length < MIN_PASSWORD_LENGTH) {
            submit.fail(`The password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
            return;
          }
          submit.run(
            () => createUser({ email: email.trim(), password, role }),
            (u) => {
              setEmail('');
              setPassword('');
              mutate((list) => [...list.filter((x) => x.id !== u.id), u]);
              notify(`${u.email} can now sign in as ${u.role}.`, 'success');
            },
          );
        }}
      >
        <div className="field field--grow">
          <label htmlFor="new-user-email">Email</label>
          <input
            id="new-user-email"
            type="email"
            autoComplete="off"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <PasswordField
          id="new-user-password"
          label="Initial password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
        />
        <div className="field">
          <label htmlFor="new-user-role">Role</label>
          <RoleSelect id="new-user-role" value={role} onChange={setRole} />
        </div>
      </InlineForm>
      <ResourceList
        state={state}
        onRetry={reload}
        more={more}
        loadingLabel="Loading users…"
        empty={<EmptyState title="No users yet." />}
      >
        {(items) => (
          <DataTable
            caption="Users"
            columns={['Email', 'Role', 'Status', 'Last sign-in']}
            actions
            items={items}
            rowKey={(u) => u.id}
            rowClassName={(u) => (u.disabled ? 'row--revoked' : undefined)}
            row={(u) => (
              <>
                <td data-label="Email">
                  {u.email}
                  {u.id === me.id && <span className="muted"> (you)</span>}
                </td>
                <td data-label="Role">
                  <RoleSelect
                    id={`role-${u.id}`}
                    label={`Role of ${u.email}`}
                    value={u.role}
                    onChange={(r) => change(u, { role: r }, `${u.email} is now ${r}.`)}
                  />
                </td>
                <td data-label="Status">
                  {u.disabled ? (
                    <span className="badge badge--muted">Disabled</span>
                  ) : (
                    <span className="badge badge--closed">Active</span>
                  )}
                </td>
                <td className="nowrap" data-label="Last sign-in">
                  {u.lastLoginAt ? formatDateTime(u.lastLoginAt) : 'never'}
                </td>
                <td className="row-actions">
                  <RowAction
                    label={u.disabled ? 'Enable' : 'Disable'}
                    target={u.email}
                    onClick={() =>
                      change(
                        u,
                        { disabled: !u.disabled },
                        `${u.email} ${u.disabled ? 'enabled' : 'disabled and signed out'}.`,
                      )
                    }
                  />
                  <RowAction
                    label="Delete"
                    target={u.email}
                    danger
                    onClick={() => setDeleting(u)}
                  />
                </td>
              </>
            )}
          />
        )}
      </ResourceList>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete user?"
        confirmLabel="Delete user"
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          await deleteUser(deleting.id);
          mutate((list) => list.filter((x) => x.id !== deleting.id));
          notify(`${deleting.email} deleted.`, 'success');
        }}
      >
        <p>
          <strong>{deleting?.email}</strong> will be signed out and can no longer sign in. Their
          past changes stay in the log.
        </p>
      </ConfirmDialog>
    </Page>
  );
}
