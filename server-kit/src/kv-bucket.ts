import { JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { KV_BUCKET_SETTINGS } from '@tailslide/contracts';

/**
 * Opens a Tailslide KV bucket, creating it with {@link KV_BUCKET_SETTINGS} if it is missing. A
 * bucket created earlier with other options (by an SDK in a test, by an older version) is used
 * as it is.
 */
export async function ensureKvBucket(js: JetStreamClient, name: string): Promise<KV> {
  const kvm = new Kvm(js);
  try {
    return await kvm.create(name, { ...KV_BUCKET_SETTINGS });
  } catch (err) {
    if (err instanceof JetStreamApiError) return kvm.open(name);
    throw err;
  }
}
