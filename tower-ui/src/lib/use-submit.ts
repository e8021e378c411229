import { useCallback, useState } from 'react';
import { errorMessage } from './api-client.js';

/** A form's request state: whether it is in flight and the message to show. */
export interface Submit {
  readonly busy: boolean;
  readonly error: string | null;
  /** Shows a message without sending (e.g. a client-side check failed). */
  readonly fail: (message: string) => void;
  /** Sends `request`; `onDone` gets its answer, a refusal shows the server's message. */
  readonly run: <T>(request: () => Promise<T>, onDone: (value: T) => void) => void;
  /** Clears the message (e.g. when the form is opened again). */
  readonly reset: () => void;
}

/** Busy flag and error message of a form that sends one request at a time. */
export function useSubmit(): Submit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(<T>(request: () => Promise<T>, onDone: (value: T) => void) => {
    setBusy(true);
    setError(null);
    request().then(
      (value) => {
        setBusy(false);
        onDone(value);
      },
      (err: unknown) => {
        setBusy(false);
        setError(errorMessage(err));
      },
    );
  }, []);
  const reset = useCallback(() => setError(null), []);
  return { busy, error, fail: setError, run, reset };
}
