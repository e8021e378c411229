import type { AuditEntryDto } from '@tailslide/contracts';
import type { LogFilters } from '../api/logs-api.js';

/** Every audit action Tower writes, for the action filter. */
export const AUDIT_ACTIONS = [
  'app.created',
  'app.updated',
  'app.deleted',
  'flag.created',
  'flag.updated',
  'flag.deleted',
  'flag.toggled_on',
  'flag.toggled_off',
  'circuit.opened',
  'circuit.recovering',
  'circuit.step',
  'circuit.closed',
  'circuit.skipped',
  'sdk_key.created',
  'sdk_key.revoked',
  'webhook.created',
  'webhook.deleted',
] as const;

const FILTER_KEYS = ['appId', 'flagKey', 'action', 'actor', 'from', 'to'] as const;

/** Reads filters from the URL's query (so a filtered view can be shared as a link). */
export function filtersFromSearch(search: URLSearchParams): LogFilters {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = search.get(k);
    if (v !== null && v.trim() !== '') out[k] = v.trim();
  }
  return out;
}

/** Writes filters to a query, dropping empty ones. */
export function filtersToSearch(filters: LogFilters): URLSearchParams {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = filters[k];
    if (v !== undefined && v !== '') q.set(k, v);
  }
  return q;
}

/** Action groups offered besides single actions (Tower accepts `prefix.*` wildcards). */
export const AUDIT_ACTION_GROUPS = [
  'flag.*',
  'circuit.*',
  'app.*',
  'sdk_key.*',
  'webhook.*',
] as const;

/** Tower's action filter: a comma list whose items are exact names or `prefix.*` wildcards. */
export function matchesAction(action: string, filter: string): boolean {
  return filter
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .some((f) => (f.endsWith('.*') ? action.startsWith(f.slice(0, -1)) : action === f));
}

/** Whether a live entry belongs in a view with these filters (same rules as the server's). */
export function matchesLogFilters(e: AuditEntryDto, f: LogFilters): boolean {
  if (f.appId !== undefined && e.appId !== f.appId) return false;
  if (f.flagKey !== undefined && e.flagKey !== f.flagKey) return false;
  if (f.action !== undefined && !matchesAction(e.action, f.action)) return false;
  if (f.actor !== undefined && e.actor !== f.actor) return false;
  const at = Date.parse(e.at);
  if (f.from !== undefined && at < Date.parse(f.from)) return false;
  if (f.to !== undefined && at > Date.parse(f.to)) return false;
  return true;
}

/** Prepends live entries newest-first without duplicates (an entry may also arrive by fetch). */
export function mergeEntries(
  current: readonly AuditEntryDto[],
  incoming: readonly AuditEntryDto[],
): AuditEntryDto[] {
  const seen = new Set(current.map((e) => e.id));
  const fresh = incoming.filter((e) => !seen.has(e.id));
  return [...fresh, ...current];
}

/** Appends an older page under the entries already shown, without duplicates. */
export function appendPage(
  current: readonly AuditEntryDto[],
  page: readonly AuditEntryDto[],
): AuditEntryDto[] {
  const seen = new Set(current.map((e) => e.id));
  return [...current, ...page.filter((e) => !seen.has(e.id))];
}

/** `datetime-local` value (local time, no zone) → ISO 8601 UTC, or `undefined` when blank/invalid. */
export function localInputToIso(v: string): string | undefined {
  if (v.trim() === '') return undefined;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** ISO 8601 → `datetime-local` value in the viewer's time zone. */
export function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Fields that differ between `before` and `after` (what an update changed), one level deep for
 * nested settings: `['circuit.windowMs', 'rolloutPercentage']`.
 */
export function changedFields(before: unknown, after: unknown): string[] {
  if (!isPlainObject(before) || !isPlainObject(after)) return [];
  const ignore = new Set(['version', 'updatedAt', 'createdAt', 'id']);
  const out: string[] = [];
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (ignore.has(k)) continue;
    const b = before[k];
    const a = after[k];
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    if (isPlainObject(b) && isPlainObject(a)) {
      for (const sub of new Set([...Object.keys(b), ...Object.keys(a)])) {
        if (JSON.stringify(b[sub]) !== JSON.stringify(a[sub])) out.push(`${k}.${sub}`);
      }
    } else out.push(k);
  }
  return out.sort();
}
