import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { CIRCUIT_STREAM_SETTINGS, KV_BUCKET_SETTINGS } from '@tailslide/contracts';
import { services, uniqueName } from '@tailslide/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCircuitStream } from './circuit-stream.js';
import { ensureKvBucket } from './kv-bucket.js';
import { connectNats } from './nats.js';

let nc: NatsConnection;
beforeAll(async () => {
  // A list with a dead first entry: any server of the list will do.
  nc = await connectNats({ servers: `nats://127.0.0.1:1, ${services.natsUrl}`, name: 'kit-test' });
});
afterAll(async () => {
  await nc.close();
});

describe('ensureCircuitStream', () => {
  it('creates the stream with the shared settings once, however many processes race', async () => {
    const jsm = await jetstreamManager(nc);
    const stream = uniqueName('KIT').toUpperCase();
    const subjectRoot = `${uniqueName('kit')}.circuit`;
    try {
      await Promise.all([1, 2, 3].map(() => ensureCircuitStream(jsm, { stream, subjectRoot })));
      await ensureCircuitStream(jsm, { stream, subjectRoot });
      const { config } = await jsm.streams.info(stream);
      expect(config.subjects).toEqual([`${subjectRoot}.>`]);
      expect(config.storage).toBe(CIRCUIT_STREAM_SETTINGS.storage);
      expect(config.retention).toBe(CIRCUIT_STREAM_SETTINGS.retention);
      expect(config.max_age).toBe(CIRCUIT_STREAM_SETTINGS.maxAgeMs * 1e6);
      expect(config.duplicate_window).toBe(CIRCUIT_STREAM_SETTINGS.duplicateWindowMs * 1e6);
    } finally {
      await jsm.streams.delete(stream).catch(() => undefined);
    }
  });
});

describe('ensureKvBucket', () => {
  it('creates a missing bucket with the shared settings and opens one made otherwise', async () => {
    const js = jetstream(nc);
    const kvm = new Kvm(js);
    const fresh = uniqueName('kit_kv');
    const foreign = uniqueName('kit_kv');
    try {
      await ensureKvBucket(js, fresh);
      const status = await (await ensureKvBucket(js, fresh)).status();
      expect(status.history).toBe(KV_BUCKET_SETTINGS.history);
      await kvm.create(foreign, { history: 5 });
      const kv = await ensureKvBucket(js, foreign);
      await kv.put('k', 'v');
      expect((await kv.status()).history).toBe(5);
    } finally {
      const jsm = await jetstreamManager(nc);
      for (const b of [fresh, foreign]) await jsm.streams.delete(`KV_${b}`).catch(() => undefined);
    }
  });
});
