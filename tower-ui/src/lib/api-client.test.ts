import { describe, expect, it } from 'vitest';
import { ApiError, errorMessage, toApiError, toQuery } from './api-client.js';

describe('toApiError', () => {
  it("keeps the server's code, message and details", () => {
    const err = toApiError(409, {
      error: {
        code: 'conflict',
        message: 'A flag with key "x" already exists',
        details: { field: 'key' },
      },
    });
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(409);
    expect(err.code).toBe('conflict');
    expect(err.message).toBe('A flag with key "x" already exists');
    expect(err.details).toEqual({ field: 'key' });
  });
  it('falls back to a generic message for bodies that are not Tower errors', () => {
    const err = toApiError(502, '<html>bad gateway</html>'.repeat(20), 'Bad Gateway');
    expect(err.code).toBe('internal');
    expect(err.message).toBe('Request failed: 502 Bad Gateway');
    expect(toApiError(404, { nope: 1 }).code).toBe('http_error');
  });
  it('uses a short plain-text body as the message', () => {
    expect(toApiError(400, 'Bad JSON').message).toBe('Bad JSON');
  });
});

describe('toQuery', () => {
  it('drops empty values and encodes the rest', () => {
    expect(toQuery({ a: 'x y', b: '', c: null, d: undefined, e: 5 })).toBe('?a=x+y&e=5');
    expect(toQuery({})).toBe('');
  });
});

describe('errorMessage', () => {
  it('reads messages from anything thrown', () => {
    expect(errorMessage(new ApiError(400, 'validation_failed', 'bad'))).toBe('bad');
    expect(errorMessage('plain')).toBe('plain');
  });
});
