import type { FlagDto } from '@tailslide/contracts';
import { useCallback, useState } from 'react';
import { useToast } from '../../../components/ui/toast.js';
import { errorMessage } from '../../../lib/api-client.js';
import { toggleFlag } from '../api/flags-api.js';

/**
 * Optimistic on/off: the switch moves at once; the server's answer replaces it, or, if the
 * server refuses, the switch moves back and the server's message is shown.
 */
export function useToggleFlag(apply: (flag: FlagDto) => void) {
  const notify = useToast();
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  const toggle = useCallback(
    (flag: FlagDto, active: boolean, reason = '') => {
      const id = flag.id;
      setPending((s) => new Set(s).add(id));
      apply({ ...flag, active });
      toggleFlag(flag.appId, flag.key, active, reason)
        .then(
          (saved) => {
            apply(saved);
            notify(`${flag.title} turned ${saved.active ? 'on' : 'off'}.`, 'success');
          },
          (err: unknown) => {
            apply(flag);
            notify(
              `Could not turn ${flag.title} ${active ? 'on' : 'off'}: ${errorMessage(err)}`,
              'error',
            );
          },
        )
        .finally(() => {
          setPending((s) => {
            const n = new Set(s);
            n.delete(id);
            return n;
          });
        });
    },
    [apply, notify],
  );
  return { toggle, isPending: (flag: FlagDto) => pending.has(flag.id) };
}
