import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      natsServers: ['nats://127.0.0.1:4222'],
      redisUrl: 'redis://127.0.0.1:6379',
      flagsBucket: 'tailslide_flags',
      airbagBucket: 'tailslide_airbag',
      circuitStream: 'TAILSLIDE_CIRCUITS',
      circuitSubjectRoot: 'tailslide.circuit',
      redisPrefix: 'tailslide',
      pollIntervalMs: 1000,
      wakeMinIntervalMs: 100,
      leaseMs: 5000,
      httpHost: '127.0.0.1',
      httpPort: 3002,
      logLevel: 'info',
    });
  });

  it('reads the platform-wide TAILSLIDE_* names Tower uses, with AIRBAG_* overriding them', () => {
    const shared = {
      TAILSLIDE_FLAGS_BUCKET: 'f',
      TAILSLIDE_CIRCUIT_STREAM: 'S',
      TAILSLIDE_CIRCUIT_SUBJECT_ROOT: 'r.c',
      TAILSLIDE_REDIS_PREFIX: 'p',
    };
    expect(loadConfig(shared)).toMatchObject({
      flagsBucket: 'f',
      circuitStream: 'S',
      circuitSubjectRoot: 'r.c',
      redisPrefix: 'p',
    });
    expect(loadConfig({ ...shared, AIRBAG_FLAGS_BUCKET: 'own' }).flagsBucket).toBe('own');
  });

  it('splits a comma-separated NATS_URL into servers', () => {
    expect(loadConfig({ NATS_URL: 'nats://a:4222, nats://b:4222' }).natsServers).toEqual([
      'nats://a:4222',
      'nats://b:4222',
    ]);
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

  it('runs on a Redis Cluster given REDIS_CLUSTER_NODES, never on both it and REDIS_URL', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'redis://a:7000,redis://b:7001' })).toMatchObject({
      redisClusterNodes: [
        { tls: false, host: 'a', port: 7000 },
        { tls: false, host: 'b', port: 7001 },
      ],
    });
    expect(loadConfig({}).redisClusterNodes).toBeUndefined();
    expect(() =>
      loadConfig({ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'redis://b:7000' }),
    ).toThrow(/REDIS_CLUSTER_NODES: REDIS_URL is set too/);
  });
});
