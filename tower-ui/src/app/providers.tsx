import type { ReactNode } from 'react';
import { ToastProvider } from '../components/ui/toast.js';
import { SocketProvider } from '../lib/socket.js';

/** Everything every screen needs: one live socket to Tower and the notification area. */
export function AppProviders({ children }: { readonly children: ReactNode }) {
  return (
    <SocketProvider>
      <ToastProvider>{children}</ToastProvider>
    </SocketProvider>
  );
}
