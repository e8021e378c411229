import { describe, expect, it } from 'vitest';
import { TOWER_DEFAULTS, loadConfig, resolveTowerConfig } from './config.js';

const DATABASE_URL = 'postgres://db/tower';

describe('loadConfig', () => {
  it('returns every setting resolved, binding loopback unless HOST says otherwise', () => {
    const config = loadConfig({ DATABASE_URL });
    expect(config).toEqual({ ...TOWER_DEFAULTS, databaseUrl: DATABASE_URL });
    expect(config.host).toBe('127.0.0.1');
    expect(loadConfig({ DATABASE_URL, HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('gives the environment and in-process use the same defaults', () => {
    expect(loadConfig({ DATABASE_URL })).toEqual(resolveTowerConfig({ databaseUrl: DATABASE_URL }));
  });

  it('reads credentials, lists and the platform-wide names', () => {
    expect(
      loadConfig({
        DATABASE_URL,
        NATS_URL: 'nats://a:4222,nats://b:4222',
        NATS_USER: 'tower',
        TAILSLIDE_FLAGS_BUCKET: 'flags',
        TOWER_WEBHOOK_ALLOWED_HOSTS: 'hooks.local, ci:8080',
        PORT: '0',
      }),
    ).toMatchObject({
      natsUrl: 'nats://a:4222,nats://b:4222',
      natsUser: 'tower',
      natsPassword: '',
      flagsBucket: 'flags',
      webhookAllowedHosts: ['hooks.local', 'ci:8080'],
      port: 0,
    });
  });

  it('lists every bad variable in one readable error', () => {
    expect(() => loadConfig({ PORT: '70000', LOG_LEVEL: 'loud' })).toThrow(
      /invalid tower configuration:(\n {2}(DATABASE_URL|PORT|LOG_LEVEL): .+){3}/,
    );
  });
});

describe('resolveTowerConfig', () => {
  it('keeps what is given and fills the rest from TOWER_DEFAULTS', () => {
    const config = resolveTowerConfig({ databaseUrl: DATABASE_URL, port: 0, uiDir: undefined });
    expect(config.port).toBe(0);
    expect(config.uiDir).toBeNull();
    expect(config.circuitConsumer).toBe(TOWER_DEFAULTS.circuitConsumer);
  });
});
