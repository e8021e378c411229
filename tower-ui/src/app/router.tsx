import { Role } from '@tailslide/contracts';
import type { ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { AppsPage } from '../features/apps/components/apps-page.js';
import { LoginPage } from '../features/auth/components/login-page.js';
import { RequireSession } from '../features/auth/components/require-session.js';
import { useCan, useSession } from '../features/auth/hooks/use-session.js';
import { FlagPage } from '../features/flags/components/flag-page.js';
import { FlagsPage } from '../features/flags/components/flags-page.js';
import { LogsPage } from '../features/logs/components/logs-page.js';
import { SdkKeysPage } from '../features/sdk-keys/components/sdk-keys-page.js';
import { TokensPage } from '../features/tokens/components/tokens-page.js';
import { UsersPage } from '../features/users/components/users-page.js';
import { WebhooksPage } from '../features/webhooks/components/webhooks-page.js';
import { SocketProvider } from '../lib/socket.js';
import { Layout } from './layout.js';
import { NotFoundPage } from './not-found-page.js';

/** A page only admins see; others get the not-found page (Tower refuses them anyway). */
function AdminOnly({ children }: { readonly children: ReactNode }) {
  return useCan(Role.admin) ? <>{children}</> : <NotFoundPage />;
}

/** The live socket of a signed-in person: when Tower closes it, the session is checked again. */
function LiveSocket({ children }: { readonly children: ReactNode }) {
  const { recheck } = useSession();
  return <SocketProvider onClosedByServer={recheck}>{children}</SocketProvider>;
}

/** URL map of the dashboard. Tower answers every non-API path with index.html (SPA fallback). */
export function AppRouter() {
  return (
    <BrowserRouter>
      <Routes>
        <Route path="login" element={<LoginPage />} />
        <Route
          element={
            <RequireSession>
              <LiveSocket>
                <Layout />
              </LiveSocket>
            </RequireSession>
          }
        >
          <Route index element={<Navigate to="/apps" replace />} />
          <Route path="apps" element={<AppsPage />} />
          <Route path="apps/:appId" element={<FlagsPage />} />
          <Route path="apps/:appId/flags/:flagKey" element={<FlagPage />} />
          <Route path="logs" element={<LogsPage />} />
          <Route path="sdk-keys" element={<SdkKeysPage />} />
          <Route path="webhooks" element={<WebhooksPage />} />
          <Route
            path="users"
            element={
              <AdminOnly>
                <UsersPage />
              </AdminOnly>
            }
          />
          <Route
            path="tokens"
            element={
              <AdminOnly>
                <TokensPage />
              </AdminOnly>
            }
          />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
