import type { AuditEntryDto, Page } from '@tailslide/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useOnReconnect, useSocketEvent } from '../../../lib/socket.js';
import { appendPage, mergeEntries } from '../utils/log-filters.js';

export interface AuditLog {
  readonly entries: readonly AuditEntryDto[];
  readonly status: 'loading' | 'error' | 'ready';
  readonly error: unknown;
  readonly hasMore: boolean;
  readonly loadingMore: boolean;
  readonly loadMore: () => void;
  readonly reload: () => void;
}

/**
 * A paged audit log, newest first, with live entries prepended as Tower announces them.
 * `key` identifies the query: when it changes the log restarts from the first page.
 */
export function useAuditLog(
  key: string,
  fetchPage: (cursor: string | null, signal: AbortSignal) => Promise<Page<AuditEntryDto>>,
  matches: (entry: AuditEntryDto) => boolean,
): AuditLog {
  const [entries, setEntries] = useState<readonly AuditEntryDto[]>([]);
  const [status, setStatus] = useState<AuditLog['status']>('loading');
  const [error, setError] = useState<unknown>(undefined);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [generation, setGeneration] = useState(0);
  const fetchRef = useRef(fetchPage);
  const matchRef = useRef(matches);
  useEffect(() => {
    fetchRef.current = fetchPage;
    matchRef.current = matches;
  });

  useEffect(() => {
    const ctl = new AbortController();
    setStatus('loading');
    setEntries([]);
    fetchRef.current(null, ctl.signal).then(
      (page) => {
        if (ctl.signal.aborted) return;
        setEntries(page.items);
        setCursor(page.nextCursor);
        setStatus('ready');
      },
      (err: unknown) => {
        if (ctl.signal.aborted) return;
        setError(err);
        setStatus('error');
      },
    );
    return () => ctl.abort();
  }, [key, generation]);

  const loadMore = useCallback(() => {
    if (cursor === null || loadingMore) return;
    setLoadingMore(true);
    fetchRef.current(cursor, new AbortController().signal).then(
      (page) => {
        setEntries((cur) => appendPage(cur, page.items));
        setCursor(page.nextCursor);
        setLoadingMore(false);
      },
      (err: unknown) => {
        setError(err);
        setLoadingMore(false);
      },
    );
  }, [cursor, loadingMore]);

  useSocketEvent('audit.appended', ({ entry }) => {
    if (matchRef.current(entry)) setEntries((cur) => mergeEntries(cur, [entry]));
  });
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  useOnReconnect(reload);

  return { entries, status, error, hasMore: cursor !== null, loadingMore, loadMore, reload };
}
