import { AppProviders } from './providers.js';
import { AppRouter } from './router.js';

/** The dashboard: providers (socket, toasts) around the router. */
export function App() {
  return (
    <AppProviders>
      <AppRouter />
    </AppProviders>
  );
}
