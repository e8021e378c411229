import { describe, expect, it } from 'vitest';
import { requestLogLevel } from './request-log.js';

describe('requestLogLevel', () => {
  it('logs successful reads (polling, assets) at debug and writes at info', () => {
    expect(requestLogLevel('GET', 200, undefined)).toBe('debug');
    expect(requestLogLevel('HEAD', 304, undefined)).toBe('debug');
    expect(requestLogLevel('OPTIONS', 204, undefined)).toBe('debug');
    expect(requestLogLevel(undefined, 200, undefined)).toBe('debug');
    for (const m of ['POST', 'PATCH', 'PUT', 'DELETE', 'post'])
      expect(requestLogLevel(m, 200, undefined)).toBe('info');
  });

  it('logs client errors at info and server errors at error, whatever the method', () => {
    expect(requestLogLevel('GET', 401, undefined)).toBe('info');
    expect(requestLogLevel('POST', 422, undefined)).toBe('info');
    expect(requestLogLevel('GET', 503, undefined)).toBe('error');
    expect(requestLogLevel('GET', 200, new Error('aborted'))).toBe('error');
  });
});
