import type { FlagDto, FlagEventDto } from '@tailslide/contracts';
import { useCallback, useState } from 'react';
import { useOnReconnect, useSocketEvent } from '../../../lib/socket.js';
import { useResource } from '../../../lib/use-resource.js';
import { getFlag } from '../api/flags-api.js';
import { flagFromEvent, newerFlag } from '../utils/flag-list.js';

/** One flag, kept live. `deleted` turns true when someone deletes it while it is on screen. */
export function useFlag(appId: string, flagKey: string) {
  const res = useResource<FlagDto>(`flag:${appId}:${flagKey}`, (signal) =>
    getFlag(appId, flagKey, signal),
  );
  const { mutate, reload } = res;
  const [deleted, setDeleted] = useState(false);
  const apply = useCallback((flag: FlagDto) => mutate((cur) => newerFlag(cur, flag)), [mutate]);
  const applyEvent = (event: FlagEventDto) => {
    if (event.appId !== appId || event.key !== flagKey) return;
    const flag = flagFromEvent(event);
    if (flag) apply(flag);
    else reload();
  };
  useSocketEvent('flag.changed', ({ flag }) => applyEvent(flag));
  useSocketEvent('circuit.event', ({ flag }) => applyEvent(flag));
  useSocketEvent('flag.deleted', (p) => {
    if (p.appId === appId && p.flagKey === flagKey) setDeleted(true);
  });
  useOnReconnect(reload);
  return { ...res, apply, deleted };
}
