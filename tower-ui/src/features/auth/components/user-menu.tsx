import { useRef, useState } from 'react';
import { useToast } from '../../../components/ui/toast.js';
import { errorMessage } from '../../../lib/api-client.js';
import { useSession, useUser } from '../hooks/use-session.js';
import { ChangePasswordDialog } from './change-password-dialog.js';

/** The signed-in person (email, role) with "Change password" and "Sign out". */
export function UserMenu() {
  const user = useUser();
  const { logout } = useSession();
  const notify = useToast();
  const menu = useRef<HTMLDetailsElement>(null);
  const [changing, setChanging] = useState(false);
  const closeMenu = () => menu.current?.removeAttribute('open');
  return (
    <>
      <details ref={menu} className="user-menu">
        <summary className="user-menu__button" aria-label={`Account: ${user.email}`}>
          <span className="user-menu__email">{user.email}</span>
          <span className="badge badge--muted">{user.role}</span>
        </summary>
        <div className="user-menu__panel card">
          <p className="muted user-menu__who">
            Signed in as <strong>{user.email}</strong> ({user.role})
          </p>
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              closeMenu();
              setChanging(true);
            }}
          >
            Change password
          </button>
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              closeMenu();
              logout().catch((err: unknown) => notify(errorMessage(err), 'error'));
            }}
          >
            Sign out
          </button>
        </div>
      </details>
      <ChangePasswordDialog open={changing} onClose={() => setChanging(false)} />
    </>
  );
}
