import { roleAllows, type Role, type UserDto } from '@tailslide/contracts';
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import { ApiError, onUnauthenticated } from '../../../lib/api-client.js';
import { getSession, logout as logoutRequest } from '../api/auth-api.js';

/** Where the session stands: being checked, signed in, or signed out (expired, revoked, never). */
export type SessionState =
  | { readonly status: 'loading' }
  | { readonly status: 'signed-in'; readonly user: UserDto }
  | { readonly status: 'signed-out'; readonly expired: boolean }
  | { readonly status: 'error'; readonly error: unknown };

export interface Session {
  readonly state: SessionState;
  /** After a successful login (or a role change of oneself). */
  readonly signedIn: (user: UserDto) => void;
  /** Signs out at Tower, then locally (locally even if Tower is unreachable). */
  readonly logout: () => Promise<void>;
  /** Checks the session with Tower again. */
  readonly recheck: () => void;
}

const SessionContext = createContext<Session | null>(null);

/**
 * Holds who is signed in. Asks Tower once at start; any 401 from any request afterwards (the
 * session expired or was revoked elsewhere) turns the state to signed-out, which sends the person
 * to the login page.
 */
export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    getSession(ctl.signal).then(
      ({ user }) => setState({ status: 'signed-in', user }),
      (error: unknown) => {
        if (ctl.signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) {
          // A recheck of a signed-in session that Tower no longer knows: it ended.
          setState((s) => ({ status: 'signed-out', expired: s.status === 'signed-in' }));
        } else {
          // Tower unreachable during a recheck: stay signed in; the next request will tell.
          setState((s) => (s.status === 'signed-in' ? s : { status: 'error', error }));
        }
      },
    );
    return () => ctl.abort();
  }, [generation]);
  useEffect(
    () =>
      onUnauthenticated(() =>
        setState((s) =>
          s.status === 'signed-out'
            ? s
            : { status: 'signed-out', expired: s.status === 'signed-in' },
        ),
      ),
    [],
  );
  const signedIn = useCallback((user: UserDto) => setState({ status: 'signed-in', user }), []);
  const logout = useCallback(async () => {
    try {
      await logoutRequest();
    } finally {
      setState({ status: 'signed-out', expired: false });
    }
  }, []);
  const recheck = useCallback(() => setGeneration((g) => g + 1), []);
  const value = useMemo(
    () => ({ state, signedIn, logout, recheck }),
    [state, signedIn, logout, recheck],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession must be used inside <SessionProvider>');
  return s;
}

/** The signed-in user (only under a route that requires a session). */
export function useUser(): UserDto {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useUser needs a signed-in session');
  return state.user;
}

/**
 * Whether the signed-in user's role includes `required` (controls the role may not use are not
 * shown at all; Tower refuses them anyway).
 */
export function useCan(required: Role): boolean {
  const { state } = useSession();
  return state.status === 'signed-in' && roleAllows(state.user.role, required);
}
