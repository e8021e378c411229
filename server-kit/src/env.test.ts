import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_HOST, baseEnvSchema, parseEnv } from './env.js';

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
});
