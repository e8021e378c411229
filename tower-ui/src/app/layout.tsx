import { NavLink, Outlet } from 'react-router';
import { useSocketConnected } from '../lib/socket.js';

const NAV = [
  { to: '/apps', label: 'Apps' },
  { to: '/logs', label: 'Logs' },
  { to: '/sdk-keys', label: 'SDK keys' },
  { to: '/webhooks', label: 'Webhooks' },
] as const;

/** Header with navigation and the live-connection indicator, then the current page. */
export function Layout() {
  const connected = useSocketConnected();
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
          {NAV.map((n) => (
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
      </header>
      <main id="main" className="main">
        <Outlet />
      </main>
    </>
  );
}
