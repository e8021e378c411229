import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './audit/audit-store.js';
import { NotFoundError, ValidationError, isDatabaseUnavailable } from './errors.js';
import { parseId, parseIfMatch } from './validation.js';

describe('parseIfMatch', () => {
  it('reads strong, weak and bare versions', () => {
    expect(parseIfMatch('"12"')).toBe(12);
    expect(parseIfMatch('W/"12"')).toBe(12);
    expect(parseIfMatch('12')).toBe(12);
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('*')).toBeUndefined();
  });

  it('rejects anything else with a 400', () => {
    expect(() => parseIfMatch('"abc"')).toThrow(ValidationError);
    expect(() => parseIfMatch('"1", "2"')).toThrow(ValidationError);
  });
});

describe('parseId', () => {
  it('accepts positive integers only; anything else cannot name a row (404)', () => {
    expect(parseId('42', 'app')).toBe(42);
    for (const bad of ['0', '-1', '1.5', 'abc', '', '01', '9'.repeat(16), undefined]) {
      expect(() => parseId(bad, 'app')).toThrow(NotFoundError);
    }
  });
});

describe('audit cursors', () => {
  it('round-trips and refuses foreign input', () => {
    expect(decodeCursor(encodeCursor(1234))).toBe(1234);
    expect(decodeCursor('nonsense')).toBeNull();
    expect(decodeCursor(Buffer.from('a:-1').toString('base64url'))).toBeNull();
  });
});

describe('isDatabaseUnavailable', () => {
  it('recognises connection failures but not query errors', () => {
    expect(
      isDatabaseUnavailable(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      ),
    ).toBe(true);
    expect(
      isDatabaseUnavailable(Object.assign(new Error('terminating connection'), { code: '57P01' })),
    ).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(
      isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' })),
    ).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});
