import { describe, expect, it } from 'vitest';
import { parseNatsServers } from './nats-servers.js';

describe('parseNatsServers', () => {
  it('reads a single server as a list of one', () => {
    expect(parseNatsServers('nats://127.0.0.1:4222')).toEqual(['nats://127.0.0.1:4222']);
  });

  it('splits a comma list and trims each server', () => {
    expect(parseNatsServers(' nats://a:4222 ,nats://b:4222,  tls://c:4443')).toEqual([
      'nats://a:4222',
      'nats://b:4222',
      'tls://c:4443',
    ]);
  });

  it('drops empty entries and returns no server for a blank list', () => {
    expect(parseNatsServers('a:4222,, ,b:4222,')).toEqual(['a:4222', 'b:4222']);
    expect(parseNatsServers(' , ')).toEqual([]);
    expect(parseNatsServers('')).toEqual([]);
  });
});
