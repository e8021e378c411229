/** Formats a percentage with at most one decimal: `12.5 %`, `100 %`. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)} %`;
}

/** A duration in ms as a short human string: `500 ms`, `30 s`, `2 min`, `1 h 30 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
  const totalMin = Math.floor(s / 60);
  const restS = Math.round(s - totalMin * 60);
  if (totalMin < 60) return restS === 0 ? `${totalMin} min` : `${totalMin} min ${restS} s`;
  const h = Math.floor(totalMin / 60);
  const m = totalMin - h * 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** `now - then` as `just now`, `12 s ago`, `5 min ago`, `3 h ago`, `2 d ago`. */
export function formatRelative(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '–';
  const d = Math.max(0, now - t);
  if (d < 5_000) return 'just now';
  if (d < 60_000) return `${Math.floor(d / 1000)} s ago`;
  if (d < 3_600_000) return `${Math.floor(d / 60_000)} min ago`;
  if (d < 86_400_000) return `${Math.floor(d / 3_600_000)} h ago`;
  return `${Math.floor(d / 86_400_000)} d ago`;
}

/** A timestamp in the viewer's locale, with seconds (audit rows need them). */
export function formatDateTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** Formats an integer count with thousands separators. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}
