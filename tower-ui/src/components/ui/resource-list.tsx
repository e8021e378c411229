import type { ReactNode } from 'react';
import type { ResourceState } from '../../lib/use-resource.js';
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
}

/** A loaded list's four faces: loading, failed (with retry), empty, and the items. */
export function ResourceList<T>({
  state,
  onRetry,
  loadingLabel,
  empty,
  children,
}: ResourceListProps<T>) {
  if (state.status === 'loading') return <Loading label={loadingLabel} />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={onRetry} />;
  return <>{state.data.length === 0 ? empty : children(state.data)}</>;
}
