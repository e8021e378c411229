import type { MorePages } from '../../lib/use-paged-resource.js';

export interface LoadMoreProps {
  readonly more: MorePages;
  /** @default 'Load more' */
  readonly label?: string;
}

/** The button under a paged list; absent once Tower has nothing more. */
export function LoadMore({ more, label = 'Load more' }: LoadMoreProps) {
  if (!more.hasMore) return null;
  return (
    <button
      type="button"
      className="button load-more"
      onClick={more.loadMore}
      disabled={more.loadingMore}
    >
      {more.loadingMore ? 'Loading…' : label}
    </button>
  );
}
