import { JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { KV_BUCKET_SETTINGS } from '@tailslide/contracts';
import { scaleStream, type ReplicaOptions } from './circuit-stream.js';

/**
 * Opens a Tailslide KV bucket, creating it with {@link KV_BUCKET_SETTINGS} (and `replicas`
 * copies) if it is missing. A bucket created earlier with other options (by an SDK in a test, by
 * an older version) is used as it is, except that its replica count is scaled to `replicas` when
 * one is given.
 */
export async function ensureKvBucket(
  js: JetStreamClient,
  name: string,
  options: ReplicaOptions = {},
): Promise<KV> {
  const kvm = new Kvm(js);
  try {
    return await kvm.create(name, { ...KV_BUCKET_SETTINGS, replicas: options.replicas ?? 1 });
  } catch (err) {
    if (!(err instanceof JetStreamApiError)) throw err;
    const kv = await kvm.open(name);
    if (options.replicas !== undefined) {
      const jsm = await js.jetstreamManager();
      const info = await jsm.streams.info(`KV_${name}`);
      await scaleStream(jsm, info.config, options.replicas);
    }
    return kv;
  }
}
