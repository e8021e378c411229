import type { ReactNode } from 'react';
import { ToastProvider } from '../components/ui/toast.js';
import { SessionProvider } from '../features/auth/hooks/use-session.js';

/**
 * Everything every screen needs: who is signed in and the notification area. The live socket
 * opens only inside the signed-in area (see the router): Tower refuses anonymous handshakes.
 */
export function AppProviders({ children }: { readonly children: ReactNode }) {
  return (
    <SessionProvider>
      <ToastProvider>{children}</ToastProvider>
    </SessionProvider>
  );
}
