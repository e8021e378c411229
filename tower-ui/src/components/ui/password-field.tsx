import type { ReactNode } from 'react';

export interface PasswordFieldProps {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  /** `current-password` to sign in or confirm, `new-password` to choose one (managers offer one). */
  readonly autoComplete: 'current-password' | 'new-password';
  readonly minLength?: number;
  readonly required?: boolean;
  /** A line under the input (e.g. the length rule). */
  readonly hint?: ReactNode;
}

/** One labelled password input: the login page, the change-password dialog, the users page. */
export function PasswordField({
  id,
  label,
  value,
  onChange,
  autoComplete,
  minLength,
  required,
  hint,
}: PasswordFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="password"
        autoComplete={autoComplete}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        {...(minLength !== undefined ? { minLength } : {})}
        {...(required ? { required } : {})}
      />
      {hint && <p className="muted field__hint">{hint}</p>}
    </div>
  );
}
