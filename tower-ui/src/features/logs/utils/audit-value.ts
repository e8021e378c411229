/** Longest rendering of one audited value before it is cut with an ellipsis. */
const MAX_VALUE_CHARS = 80;

/**
 * One side of an audited change as short text: `—` for none, lists joined with commas, objects
 * as JSON; anything long is cut (the server already shortens large whitelists).
 */
export function formatAuditValue(value: unknown): string {
  let s: string;
  if (value === null || value === undefined) s = '—';
  else if (typeof value === 'string') s = value === '' ? '""' : value;
  else if (Array.isArray(value)) s = value.length === 0 ? '(none)' : value.map(String).join(', ');
  else if (typeof value === 'object') s = JSON.stringify(value);
  else s = JSON.stringify(value) ?? String(typeof value);
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 1)}…` : s;
}
