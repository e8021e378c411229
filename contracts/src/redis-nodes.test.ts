import { describe, expect, it } from 'vitest';
import { parseRedisClusterNodes } from './redis-nodes.js';

describe('parseRedisClusterNodes', () => {
  it('reads a comma list or an array of node URLs, port 6379 by default', () => {
    const nodes = [
      { tls: false, host: '10.0.0.1', port: 7000 },
      { tls: false, host: 'redis-b', port: 6379 },
    ];
    expect(parseRedisClusterNodes(' redis://10.0.0.1:7000 , redis://redis-b,')).toEqual({
      ok: true,
      nodes,
    });
    expect(parseRedisClusterNodes(['10.0.0.1:7000', 'redis://redis-b/'])).toEqual({
      ok: true,
      nodes,
    });
    expect(parseRedisClusterNodes('rediss://[::1]:7000')).toEqual({
      ok: true,
      nodes: [{ tls: true, host: '::1', port: 7000 }],
    });
  });

  it.each([
    ['', 'at least one node'],
    ['http://a:1', 'must start with redis://'],
    ['redis://user:pw@a:7000', 'credentials'],
    ['redis://a:7000/2', 'database 0 only'],
    ['redis://a:7000,rediss://b:7000', 'one scheme'],
    ['not a url', 'not a URL'],
  ])('refuses %j with a clear message', (input, message) => {
    const r = parseRedisClusterNodes(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});
