import type { FlagDto, FlagEventDto } from '@tailslide/contracts';
import { useCallback } from 'react';
import { useOnReconnect, useSocketEvent } from '../../../lib/socket.js';
import { usePagedResource } from '../../../lib/use-paged-resource.js';
import { listFlags } from '../api/flags-api.js';
import { flagFromEvent, removeFlag, upsertFlag } from '../utils/flag-list.js';

/** The flags of one app, kept live from socket events (toggles, edits, circuit trips, deletes). */
export function useFlags(appId: string) {
  const res = usePagedResource<FlagDto>(`flags:${appId}`, (cursor, signal) =>
    listFlags(appId, cursor, signal),
  );
  const { mutate, reload } = res;
  const apply = useCallback((flag: FlagDto) => mutate((list) => upsertFlag(list, flag)), [mutate]);
  const applyEvent = (event: FlagEventDto) => {
    if (event.appId !== appId) return;
    const flag = flagFromEvent(event);
    if (flag) apply(flag);
    else reload();
  };
  useSocketEvent('flag.changed', ({ flag }) => applyEvent(flag));
  useSocketEvent('circuit.event', ({ flag }) => applyEvent(flag));
  useSocketEvent('flag.deleted', (p) => {
    if (p.appId === appId) mutate((list) => removeFlag(list, p.appId, p.flagKey));
  });
  useOnReconnect(reload);
  return { ...res, apply };
}
