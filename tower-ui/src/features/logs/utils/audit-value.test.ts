import { describe, expect, it } from 'vitest';
import { formatAuditValue } from './audit-value.js';

describe('formatAuditValue', () => {
  it('renders each kind of value as short text', () => {
    expect(formatAuditValue(null)).toBe('—');
    expect(formatAuditValue(undefined)).toBe('—');
    expect(formatAuditValue('')).toBe('""');
    expect(formatAuditValue('Checkout')).toBe('Checkout');
    expect(formatAuditValue(true)).toBe('true');
    expect(formatAuditValue(12.5)).toBe('12.5');
    expect(formatAuditValue(['u1', 'u2'])).toBe('u1, u2');
    expect(formatAuditValue([])).toBe('(none)');
    expect(formatAuditValue({ a: 1 })).toBe('{"a":1}');
  });

  it('cuts long values with an ellipsis', () => {
    const s = formatAuditValue('x'.repeat(500));
    expect(s).toHaveLength(80);
    expect(s.endsWith('…')).toBe(true);
  });
});
