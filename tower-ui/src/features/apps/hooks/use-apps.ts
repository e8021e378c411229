import type { AppDto } from '@tailslide/contracts';
import { usePagedResource } from '../../../lib/use-paged-resource.js';
import { useOnReconnect, useSocketEvent } from '../../../lib/socket.js';
import { listApps } from '../api/apps-api.js';

/** Apps, kept live: renames and deletions from anywhere, flag counts on flag creation/deletion. */
export function useApps() {
  const res = usePagedResource<AppDto>('apps', listApps);
  const { mutate, reload } = res;
  useSocketEvent('app.changed', ({ app }) =>
    mutate((apps) =>
      apps.some((a) => a.id === app.id)
        ? apps.map((a) => (a.id === app.id ? app : a))
        : [...apps, app],
    ),
  );
  useSocketEvent('app.deleted', ({ appId }) =>
    mutate((apps) => apps.filter((a) => a.id !== appId)),
  );
  useSocketEvent('audit.appended', ({ entry }) => {
    if (entry.action === 'flag.created' || entry.action === 'flag.deleted') reload();
  });
  useOnReconnect(reload);
  return res;
}
