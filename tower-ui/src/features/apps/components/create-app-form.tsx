import type { AppDto } from '@tailslide/contracts';
import { useState } from 'react';
import { InlineForm } from '../../../components/ui/inline-form.js';
import { useSubmit } from '../../../lib/use-submit.js';
import { createApp } from '../api/apps-api.js';

/** One-line "create app" form; shows the server's message when it refuses. */
export function CreateAppForm({ onCreated }: { readonly onCreated: (app: AppDto) => void }) {
  const [title, setTitle] = useState('');
  const { busy, error, fail, run } = useSubmit();
  return (
    <InlineForm
      label="Create app"
      submitLabel="Create app"
      busyLabel="Creating…"
      busy={busy}
      error={error}
      errorId="new-app-error"
      onSubmit={() => {
        if (title.trim() === '') {
          fail('Give the app a name.');
          return;
        }
        run(
          () => createApp(title.trim()),
          (app) => {
            setTitle('');
            onCreated(app);
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
    </InlineForm>
  );
}
