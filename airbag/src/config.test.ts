import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      natsUrl: 'nats://127.0.0.1:4222',
      redisUrl: 'redis://127.0.0.1:6379',
      flagsBucket: 'tailslide_flags',
      airbagBucket: 'tailslide_airbag',
      circuitStream: 'TAILSLIDE_CIRCUITS',
      circuitSubjectRoot: 'tailslide.circuit',
      redisPrefix: 'tailslide',
      pollIntervalMs: 1000,
      leaseMs: 5000,
      httpPort: 3002,
      logLevel: 'info',
    });
  });

  it('coerces numbers and names every bad variable in one error', () => {
    expect(loadConfig({ AIRBAG_POLL_INTERVAL_MS: '250', AIRBAG_INSTANCE_ID: 'a1' })).toMatchObject({
      pollIntervalMs: 250,
      instanceId: 'a1',
    });
    expect(() => loadConfig({ AIRBAG_POLL_INTERVAL_MS: '0', AIRBAG_HTTP_PORT: 'x' })).toThrow(
      /AIRBAG_POLL_INTERVAL_MS[\s\S]*AIRBAG_HTTP_PORT/,
    );
  });
});
