import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { AppsPage } from '../features/apps/components/apps-page.js';
import { FlagPage } from '../features/flags/components/flag-page.js';
import { FlagsPage } from '../features/flags/components/flags-page.js';
import { LogsPage } from '../features/logs/components/logs-page.js';
import { SdkKeysPage } from '../features/sdk-keys/components/sdk-keys-page.js';
import { WebhooksPage } from '../features/webhooks/components/webhooks-page.js';
import { Layout } from './layout.js';
import { NotFoundPage } from './not-found-page.js';

/** URL map of the dashboard. Tower answers every non-API path with index.html (SPA fallback). */
export function AppRouter() {
  return (
    <BrowserRouter>
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<Navigate to="/apps" replace />} />
          <Route path="apps" element={<AppsPage />} />
          <Route path="apps/:appId" element={<FlagsPage />} />
          <Route path="apps/:appId/flags/:flagKey" element={<FlagPage />} />
          <Route path="logs" element={<LogsPage />} />
          <Route path="sdk-keys" element={<SdkKeysPage />} />
          <Route path="webhooks" element={<WebhooksPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
