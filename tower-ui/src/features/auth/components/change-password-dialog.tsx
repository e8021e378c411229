import { MIN_PASSWORD_LENGTH } from '@tailslide/contracts';
import { useState } from 'react';
import { Dialog } from '../../../components/ui/dialog.js';
import { useToast } from '../../../components/ui/toast.js';
import { useSubmit } from '../../../lib/use-submit.js';
import { changePassword } from '../api/auth-api.js';

/** Changes the signed-in user's password; Tower signs out their other sessions. */
export function ChangePasswordDialog({
  open,
  onClose,
}: {
  readonly open: boolean;
  readonly onClose: () => void;
}) {
  const notify = useToast();
  const submit = useSubmit();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const close = () => {
    setCurrent('');
    setNext('');
    setRepeat('');
    submit.reset();
    onClose();
  };
  return (
    <Dialog open={open} title="Change password" onClose={close}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (next.length < MIN_PASSWORD_LENGTH) {
            submit.fail(`The new password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
            return;
          }
          if (next !== repeat) {
            submit.fail('The two new passwords differ.');
            return;
          }
          submit.run(
            () => changePassword({ currentPassword: current, newPassword: next }),
            () => {
              notify('Password changed. Your other sessions were signed out.', 'success');
              close();
            },
          );
        }}
      >
        <div className="field">
          <label htmlFor="pw-current">Current password</label>
          <input
            id="pw-current"
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="pw-new">New password</label>
          <input
            id="pw-new"
            type="password"
            autoComplete="new-password"
            minLength={MIN_PASSWORD_LENGTH}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
          <p className="muted field__hint">At least {MIN_PASSWORD_LENGTH} characters.</p>
        </div>
        <div className="field">
          <label htmlFor="pw-repeat">New password again</label>
          <input
            id="pw-repeat"
            type="password"
            autoComplete="new-password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
          />
        </div>
        {submit.error && (
          <p role="alert" className="form-error">
            {submit.error}
          </p>
        )}
        <div className="form-actions">
          <button type="button" className="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={submit.busy}>
            {submit.busy ? 'Saving…' : 'Change password'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
