import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ErrorState, Loading } from '../../../components/ui/states.js';
import { useSession } from '../hooks/use-session.js';

/**
 * Renders `children` only for a signed-in person; anyone else goes to the login page, which
 * brings them back here (`?next=`) afterwards.
 */
export function RequireSession({ children }: { readonly children: ReactNode }) {
  const { state, recheck } = useSession();
  const location = useLocation();
  if (state.status === 'loading') return <Loading label="Checking your session…" />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={recheck} />;
  if (state.status === 'signed-out') {
    const next = `${location.pathname}${location.search}`;
    return (
      <Navigate
        to={`/login?next=${encodeURIComponent(next)}`}
        state={{ expired: state.expired }}
        replace
      />
    );
  }
  return <>{children}</>;
}
