import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DEFAULT_HOST,
  baseEnvSchema,
  parseEnv,
  redisTargetFromEnv,
  refineRedisTarget,
} from './env.js';

describe('baseEnvSchema', () => {
  it('fills the platform-wide defaults', () => {
    expect(parseEnv(baseEnvSchema, {}, 'test')).toEqual({
      NATS_URL: 'nats://127.0.0.1:4222',
      TAILSLIDE_FLAGS_BUCKET: 'tailslide_flags',
      TAILSLIDE_CIRCUIT_STREAM: 'TAILSLIDE_CIRCUITS',
      TAILSLIDE_CIRCUIT_SUBJECT_ROOT: 'tailslide.circuit',
      TAILSLIDE_REDIS_PREFIX: 'tailslide',
      TAILSLIDE_NATS_REPLICAS: 1,
      LOG_LEVEL: 'info',
    });
  });

  it('rejects a NATS_URL that names no server', () => {
    expect(() => parseEnv(baseEnvSchema, { NATS_URL: ' , ' }, 'test')).toThrow(
      /NATS_URL: must name at least one server/,
    );
  });

  it('lists every bad variable in one error, named after the service', () => {
    const schema = baseEnvSchema.extend({ PORT: z.coerce.number().int() });
    expect(() => parseEnv(schema, { LOG_LEVEL: 'loud', PORT: 'x' }, 'airbag')).toThrow(
      /^invalid airbag configuration:\n {2}LOG_LEVEL: .+\n {2}PORT: .+$/,
    );
  });

  it('binds services to loopback by default', () => {
    expect(DEFAULT_HOST).toBe('127.0.0.1');
  });

  it('reads REDIS_CLUSTER_NODES into seed nodes and refuses a bad entry clearly', () => {
    const e = parseEnv(
      baseEnvSchema,
      { REDIS_CLUSTER_NODES: 'redis://10.0.0.1:7000,10.0.0.2:7001' },
      'test',
    );
    expect(redisTargetFromEnv(e, 'redis://127.0.0.1:6379')).toEqual({
      clusterNodes: [
        { tls: false, host: '10.0.0.1', port: 7000 },
        { tls: false, host: '10.0.0.2', port: 7001 },
      ],
    });
    expect(() =>
      parseEnv(baseEnvSchema, { REDIS_CLUSTER_NODES: 'redis://u:p@a:7000' }, 'tower'),
    ).toThrow(/REDIS_CLUSTER_NODES: .*carries credentials/);
  });

  it('refuses REDIS_URL and REDIS_CLUSTER_NODES together', () => {
    const schema = baseEnvSchema
      .extend({ REDIS_URL: z.string().optional() })
      .superRefine(refineRedisTarget);
    expect(() =>
      parseEnv(
        schema,
        { REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'redis://b:7000' },
        'airbag',
      ),
    ).toThrow(/REDIS_CLUSTER_NODES: REDIS_URL is set too/);
    expect(redisTargetFromEnv(parseEnv(schema, {}, 'airbag'), null)).toBeNull();
  });

  it("refuses a Redis prefix that would break the keys' hash tag", () => {
    expect(() => parseEnv(baseEnvSchema, { TAILSLIDE_REDIS_PREFIX: 'a{b}' }, 'tower')).toThrow(
      /TAILSLIDE_REDIS_PREFIX: .*no braces/,
    );
  });
});
