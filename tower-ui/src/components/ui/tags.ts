/**
 * Adds the comma/whitespace-separated entries of `text` to `current`, trimmed and without
 * duplicates. Returns `current` itself when nothing new was added.
 */
export function addTags(current: readonly string[], text: string): readonly string[] {
  const seen = new Set(current);
  const added: string[] = [];
  for (const raw of text.split(/[,\n\r\t ]+/)) {
    const t = raw.trim();
    if (t === '' || seen.has(t)) continue;
    seen.add(t);
    added.push(t);
  }
  return added.length === 0 ? current : [...current, ...added];
}
