import type { ReactNode } from 'react';
import { errorMessage } from '../../lib/api-client.js';

/** Shown while the first load is in flight. */
export function Loading({ label = 'Loading…' }: { readonly label?: string }) {
  return (
    <div className="state state--loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

/** Shown when a list has nothing in it yet; `children` is the call to action. */
export function EmptyState({
  title,
  children,
}: {
  readonly title: string;
  readonly children?: ReactNode;
}) {
  return (
    <div className="state state--empty">
      <p className="state__title">{title}</p>
      {children}
    </div>
  );
}

/** Shown when loading failed, with the server's message and a retry. */
export function ErrorState({
  error,
  onRetry,
}: {
  readonly error: unknown;
  readonly onRetry?: () => void;
}) {
  return (
    <div className="state state--error" role="alert">
      <p className="state__title">Could not load this.</p>
      <p>{errorMessage(error)}</p>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
