import { useCallback, useEffect, useRef, useState } from 'react';

/** State of data loaded from Tower. */
export type ResourceState<T> =
  | { readonly status: 'loading'; readonly data: undefined; readonly error: undefined }
  | { readonly status: 'error'; readonly data: T | undefined; readonly error: unknown }
  | { readonly status: 'success'; readonly data: T; readonly error: undefined };

export interface Resource<T> {
  readonly state: ResourceState<T>;
  /** Loads again; keeps showing the current data meanwhile. */
  readonly reload: () => void;
  /** Replaces the data locally (live updates, optimistic changes). */
  readonly mutate: (update: (current: T) => T) => void;
}

/**
 * Loads `load()` when `key` changes, cancels stale requests, and lets live events patch the result.
 * A tiny stand-in for a query library: the dashboard's caching needs are one screen deep.
 */
export function useResource<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
): Resource<T> {
  const [state, setState] = useState<ResourceState<T>>({
    status: 'loading',
    data: undefined,
    error: undefined,
  });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });
  const lastKey = useRef(key);
  // A reload asked for while a request is in flight waits for it instead of aborting it, so a
  // refresh timer faster than the server never starves the view.
  const inFlight = useRef(false);
  const again = useRef(false);

  useEffect(() => {
    const ctl = new AbortController();
    if (lastKey.current !== key) {
      lastKey.current = key;
      setState({ status: 'loading', data: undefined, error: undefined });
    }
    inFlight.current = true;
    again.current = false;
    const settle = () => {
      inFlight.current = false;
      if (again.current) {
        again.current = false;
        setGeneration((g) => g + 1);
      }
    };
    loadRef.current(ctl.signal).then(
      (data) => {
        if (ctl.signal.aborted) return;
        setState({ status: 'success', data, error: undefined });
        settle();
      },
      (error: unknown) => {
        if (ctl.signal.aborted) return;
        setState((prev) => ({ status: 'error', data: prev.data, error }));
        settle();
      },
    );
    return () => {
      ctl.abort();
      inFlight.current = false;
    };
  }, [key, generation]);

  const reload = useCallback(() => {
    if (inFlight.current) again.current = true;
    else setGeneration((g) => g + 1);
  }, []);
  const mutate = useCallback((update: (current: T) => T) => {
    setState((prev) =>
      prev.status === 'success'
        ? { status: 'success', data: update(prev.data), error: undefined }
        : prev,
    );
  }, []);
  return { state, reload, mutate };
}

/** Re-renders every `intervalMs` and returns the current time (for "5 s ago" labels). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}
