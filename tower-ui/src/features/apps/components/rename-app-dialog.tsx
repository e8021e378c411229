import type { AppDto } from '@tailslide/contracts';
import { useEffect, useState } from 'react';
import { Dialog } from '../../../components/ui/dialog.js';
import { useSubmit } from '../../../lib/use-submit.js';
import { renameApp } from '../api/apps-api.js';

export interface RenameAppDialogProps {
  readonly app: AppDto | null;
  readonly onClose: () => void;
  readonly onRenamed: (app: AppDto) => void;
}

export function RenameAppDialog({ app, onClose, onRenamed }: RenameAppDialogProps) {
  const [title, setTitle] = useState('');
  const { busy, error, run, reset } = useSubmit();
  useEffect(() => {
    setTitle(app?.title ?? '');
    reset();
  }, [app, reset]);
  return (
    <Dialog open={app !== null} title="Rename app" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!app) return;
          run(() => renameApp(app.id, title.trim()), onRenamed);
        }}
      >
        <div className="field">
          <label htmlFor="rename-app-title">Name</label>
          <input
            id="rename-app-title"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            required
            maxLength={200}
          />
        </div>
        {error && (
          <p role="alert" className="form-error">
            {error}
          </p>
        )}
        <div className="form-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
