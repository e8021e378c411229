import type { FlagDto, FlagEventDto } from '@tailslide/contracts';

/**
 * Applies a flag update from the server to a list. A copy older than the one held is ignored, so
 * a late socket event can never undo a newer answer.
 */
export function upsertFlag(list: readonly FlagDto[], flag: FlagDto): FlagDto[] {
  const i = list.findIndex(
    (f) => f.id === flag.id || (f.appId === flag.appId && f.key === flag.key),
  );
  if (i === -1) return [...list, flag];
  const current = list[i]!;
  if (current.version > flag.version) return [...list];
  const next = [...list];
  next[i] = flag;
  return next;
}

/** Applies an update to a single held flag with the same rule as {@link upsertFlag}. */
export function newerFlag(current: FlagDto, incoming: FlagDto): FlagDto {
  if (current.id !== incoming.id && current.key !== incoming.key) return current;
  return incoming.version >= current.version ? incoming : current;
}

/** Removes a deleted flag. */
export function removeFlag(list: readonly FlagDto[], appId: string, flagKey: string): FlagDto[] {
  return list.filter((f) => !(f.appId === appId && f.key === flagKey));
}

/**
 * The whole flag a socket event describes, or null when the event left a large whitelist out (the
 * caller fetches the flag instead).
 */
export function flagFromEvent(event: FlagEventDto): FlagDto | null {
  const { whitelist, whitelistSize: _size, ...rest } = event;
  return whitelist === null ? null : { ...rest, whitelist };
}
