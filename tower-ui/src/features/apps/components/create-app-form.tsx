import type { AppDto } from '@tailslide/contracts';
import { useState } from 'react';
import { errorMessage } from '../../../lib/api-client.js';
import { createApp } from '../api/apps-api.js';

/** One-line "create app" form; shows the server's message when it refuses. */
export function CreateAppForm({ onCreated }: { readonly onCreated: (app: AppDto) => void }) {
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="inline-form card"
      aria-label="Create app"
      onSubmit={(e) => {
        e.preventDefault();
        if (title.trim() === '') {
          setError('Give the app a name.');
          return;
        }
        setBusy(true);
        setError(null);
        createApp(title.trim()).then(
          (app) => {
            setBusy(false);
            setTitle('');
            onCreated(app);
          },
          (err: unknown) => {
            setBusy(false);
            setError(errorMessage(err));
          },
        );
      }}
    >
      <div className="field field--grow">
        <label htmlFor="new-app-title">New app name</label>
        <input
          id="new-app-title"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          placeholder="e.g. Checkout service"
          aria-invalid={error !== null}
          aria-describedby={error ? 'new-app-error' : undefined}
          maxLength={200}
        />
      </div>
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create app'}
      </button>
      {error && (
        <p id="new-app-error" role="alert" className="form-error inline-form__error">
          {error}
        </p>
      )}
    </form>
  );
}
