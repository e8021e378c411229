import { MIN_PASSWORD_LENGTH } from '@tailslide/contracts';
import { useState } from 'react';
import { Dialog } from '../../../components/ui/dialog.js';
import { useToast } from '../../../components/ui/toast.js';
import { useSubmit } from '../../../lib/use-submit.js';
import { changePassword } from '../api/auth-api.js';
import { PasswordField } from '../../../components/ui/password-field.js';

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
        <PasswordField
          id="pw-current"
          label="Current password"
          autoComplete="current-password"
          value={current}
          onChange={setCurrent}
        />
        <PasswordField
          id="pw-new"
          label="New password"
          autoComplete="new-password"
          minLength={MIN_PASSWORD_LENGTH}
          value={next}
          onChange={setNext}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        />
        <PasswordField
          id="pw-repeat"
          label="New password again"
          autoComplete="new-password"
          value={repeat}
          onChange={setRepeat}
        />
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
