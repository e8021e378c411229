import type { FlagDto } from '@tailslide/contracts';
import { useCallback, useState } from 'react';
import { useOnReconnect, useSocketEvent } from '../../../lib/socket.js';
import { useResource } from '../../../lib/use-resource.js';
import { getFlag } from '../api/flags-api.js';
import { newerFlag } from '../utils/flag-list.js';

/** One flag, kept live. `deleted` turns true when someone deletes it while it is on screen. */
export function useFlag(appId: string, flagKey: string) {
  const res = useResource<FlagDto>(`flag:${appId}:${flagKey}`, (signal) =>
    getFlag(appId, flagKey, signal),
  );
  const { mutate, reload } = res;
  const [deleted, setDeleted] = useState(false);
  const apply = useCallback((flag: FlagDto) => mutate((cur) => newerFlag(cur, flag)), [mutate]);
  const mine = (f: FlagDto) => f.appId === appId && f.key === flagKey;
  useSocketEvent('flag.changed', ({ flag }) => {
    if (mine(flag)) apply(flag);
  });
  useSocketEvent('circuit.event', ({ flag }) => {
    if (mine(flag)) apply(flag);
  });
  useSocketEvent('flag.deleted', (p) => {
    if (p.appId === appId && p.flagKey === flagKey) setDeleted(true);
  });
  useOnReconnect(reload);
  return { ...res, apply, deleted };
}
