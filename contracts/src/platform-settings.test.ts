import { describe, expect, it } from 'vitest';
import { redisReconnectDelayMs } from './platform-settings.js';

describe('redisReconnectDelayMs', () => {
  it('starts at 100 ms, doubles and stays at 2 s', () => {
    expect([0, 1, 2, 3, 4, 5, 50].map(redisReconnectDelayMs)).toEqual([
      100, 200, 400, 800, 1600, 2000, 2000,
    ]);
  });
});
