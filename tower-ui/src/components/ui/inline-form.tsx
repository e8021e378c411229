import type { ReactNode } from 'react';

export interface InlineFormProps {
  /** Accessible name of the form, e.g. "Create app". */
  readonly label: string;
  readonly submitLabel: string;
  /** Button text while the request is in flight, e.g. "Creating…". */
  readonly busyLabel: string;
  readonly busy: boolean;
  readonly error: string | null;
  /** Id of the error message, for the fields' `aria-describedby`. */
  readonly errorId?: string;
  readonly onSubmit: () => void;
  /** The fields. */
  readonly children: ReactNode;
}

/** A one-line create form in a card: fields, a submit button, and the refusal message below. */
export function InlineForm({
  label,
  submitLabel,
  busyLabel,
  busy,
  error,
  errorId,
  onSubmit,
  children,
}: InlineFormProps) {
  return (
    <form
      className="inline-form card"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? busyLabel : submitLabel}
      </button>
      {error && (
        <p id={errorId} role="alert" className="form-error inline-form__error">
          {error}
        </p>
      )}
    </form>
  );
}
