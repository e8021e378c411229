import { Role } from '@tailslide/contracts';
import { NavLink, Outlet } from 'react-router';
import { UserMenu } from '../features/auth/components/user-menu.js';
import { useCan } from '../features/auth/hooks/use-session.js';
import { useSocketConnected } from '../lib/socket.js';

const NAV = [
  { to: '/apps', label: 'Apps', admin: false },
  { to: '/logs', label: 'Logs', admin: false },
  { to: '/sdk-keys', label: 'SDK keys', admin: false },
  { to: '/webhooks', label: 'Webhooks', admin: false },
  { to: '/users', label: 'Users', admin: true },
  { to: '/tokens', label: 'API tokens', admin: true },
] as const;

/** Header with navigation, the live-connection indicator and the user menu, then the page. */
export function Layout() {
  const connected = useSocketConnected();
  const admin = useCan(Role.admin);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/apps" className="brand">
          <span className="brand__mark" aria-hidden="true">
            ◢
          </span>
          Tailslide
        </NavLink>
        <nav aria-label="Main" className="topnav">
          {NAV.filter((n) => admin || !n.admin).map((n) => (
            <NavLink key={n.to} to={n.to} className="topnav__link">
              {n.label}
            </NavLink>
          ))}
        </nav>
        <span
          className={connected ? 'live live--on' : 'live'}
          role="status"
          title={connected ? 'Receiving live updates' : 'Live updates paused; reconnecting'}
        >
          <span className="live__dot" aria-hidden="true" />
          {connected ? 'Live' : 'Reconnecting…'}
        </span>
        <UserMenu />
      </header>
      <main id="main" className="main">
        <Outlet />
      </main>
    </>
  );
}
