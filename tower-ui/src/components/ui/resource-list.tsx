import type { ReactNode } from 'react';
import type { MorePages } from '../../lib/use-paged-resource.js';
import type { ResourceState } from '../../lib/use-resource.js';
import { LoadMore } from './load-more.js';
import { ErrorState, Loading } from './states.js';

export interface ResourceListProps<T> {
  readonly state: ResourceState<readonly T[]>;
  readonly onRetry: () => void;
  /** Spinner text, e.g. "Loading apps…". */
  readonly loadingLabel: string;
  /** Shown when the list loaded empty. */
  readonly empty: ReactNode;
  /** Renders the loaded, non-empty list. */
  readonly children: (items: readonly T[]) => ReactNode;
  /** A paged list's "load more" (from {@link usePagedResource}). */
  readonly more?: MorePages;
}

/** A loaded list's four faces (and, when paged, a button for the next page): loading, failed (with retry), empty, and the items. */
export function ResourceList<T>({
  state,
  onRetry,
  loadingLabel,
  empty,
  children,
  more,
}: ResourceListProps<T>) {
  if (state.status === 'loading') return <Loading label={loadingLabel} />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={onRetry} />;
  if (state.data.length === 0) return <>{empty}</>;
  return (
    <>
      {children(state.data)}
      {more && <LoadMore more={more} />}
    </>
  );
}
