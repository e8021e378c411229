import type { FlagDto } from '@tailslide/contracts';
import { useCallback } from 'react';
import { useOnReconnect, useSocketEvent } from '../../../lib/socket.js';
import { useResource } from '../../../lib/use-resource.js';
import { listFlags } from '../api/flags-api.js';
import { removeFlag, upsertFlag } from '../utils/flag-list.js';

/** The flags of one app, kept live from socket events (toggles, edits, circuit trips, deletes). */
export function useFlags(appId: string) {
  const res = useResource<FlagDto[]>(`flags:${appId}`, (signal) => listFlags(appId, signal));
  const { mutate, reload } = res;
  const apply = useCallback((flag: FlagDto) => mutate((list) => upsertFlag(list, flag)), [mutate]);
  useSocketEvent('flag.changed', ({ flag }) => {
    if (flag.appId === appId) apply(flag);
  });
  useSocketEvent('circuit.event', ({ flag }) => {
    if (flag.appId === appId) apply(flag);
  });
  useSocketEvent('flag.deleted', (p) => {
    if (p.appId === appId) mutate((list) => removeFlag(list, p.appId, p.flagKey));
  });
  useOnReconnect(reload);
  return { ...res, apply };
}
