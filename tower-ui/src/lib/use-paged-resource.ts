import type { AuditEntryDto, Page } from '@tailslide/contracts';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useReloadOnAudit } from './use-audited-resource.js';
import { useResource, type Resource, type ResourceState } from './use-resource.js';

/** Fetches one page of a list; `cursor` is `null` for the first page. */
export type FetchPage<T> = (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>;

/** What a paged list holds: rows with an id (loaded pages are merged by it). */
export interface Item {
  readonly id: string;
}

/** The "load more" side of a paged list. */
export interface MorePages {
  /** True while Tower has items after the ones shown. */
  readonly hasMore: boolean;
  readonly loadingMore: boolean;
  readonly loadMore: () => void;
}

/** A {@link Resource} over the pages loaded so far, plus {@link MorePages}. */
export interface PagedResource<T> extends Resource<T[]> {
  readonly more: MorePages;
}

interface Loaded<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
  readonly pages: number;
}

/**
 * A list Tower answers in pages (`{ items, nextCursor }`): loads the first page, appends the next
 * on `loadMore()`, and a reload fetches as many pages as are shown, so a live refresh never
 * shrinks what the person scrolled to. `mutate` patches the items (live events, optimistic edits).
 */
export function usePagedResource<T extends Item>(
  key: string,
  fetchPage: FetchPage<T>,
): PagedResource<T> {
  const fetchRef = useRef(fetchPage);
  useEffect(() => {
    fetchRef.current = fetchPage;
  });
  // How many pages the person has loaded, per list key (a new key starts at one page).
  const shown = useRef({ key, pages: 1 });
  const load = useCallback(
    async (signal: AbortSignal): Promise<Loaded<T>> => {
      const want = shown.current.key === key ? shown.current.pages : 1;
      const items: T[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page<T> = await fetchRef.current(cursor, signal);
        items.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null && pages < want);
      shown.current = { key, pages };
      return { items, nextCursor: cursor, pages };
    },
    [key],
  );
  const res = useResource<Loaded<T>>(key, load);
  const { mutate: mutateLoaded, reload } = res;
  const [loadingMore, setLoadingMore] = useState(false);
  const loaded = res.state.data;

  const loadMore = useCallback(() => {
    const cursor = loaded?.nextCursor ?? null;
    if (cursor === null || loadingMore) return;
    setLoadingMore(true);
    fetchRef.current(cursor, new AbortController().signal).then(
      (page) => {
        shown.current = { key, pages: shown.current.pages + 1 };
        mutateLoaded((cur) => {
          const have = new Set(cur.items.map((x) => x.id));
          return {
            items: [...cur.items, ...page.items.filter((x) => !have.has(x.id))],
            nextCursor: page.nextCursor,
            pages: cur.pages + 1,
          };
        });
        setLoadingMore(false);
      },
      () => {
        // The next reload (or a retry of the button) tries again; the shown items stay.
        setLoadingMore(false);
      },
    );
  }, [key, loaded, loadingMore, mutateLoaded]);

  const mutate = useCallback(
    (update: (current: T[]) => T[]) =>
      mutateLoaded((cur) => ({ ...cur, items: update(cur.items) })),
    [mutateLoaded],
  );
  const state = useMemo((): ResourceState<T[]> => {
    const s = res.state;
    if (s.status === 'loading') return s;
    if (s.status === 'error') return { status: 'error', data: s.data?.items, error: s.error };
    return { status: 'success', data: s.data.items, error: undefined };
  }, [res.state]);
  return {
    state,
    reload,
    mutate,
    more: { hasMore: (loaded?.nextCursor ?? null) !== null, loadingMore, loadMore },
  };
}

/** {@link usePagedResource} for an admin list, kept current by {@link useReloadOnAudit}. */
export function useAuditedPages<T extends Item>(
  key: string,
  fetchPage: FetchPage<T>,
  entityType: AuditEntryDto['entityType'],
): PagedResource<T> {
  const res = usePagedResource<T>(key, fetchPage);
  useReloadOnAudit(entityType, res.reload);
  return res;
}
