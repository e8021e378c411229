import type { KV, KvEntry } from '@nats-io/kv';
import { circuitKvKey, encodeFlagRule, flagKvKey, parseFlagRule } from '@tailslide/contracts';
import type { Queryable } from '../db.js';
import type { FlagsBucket } from '../nats.js';
import { findFlag, toFlagRule, type Flag } from './flag-store.js';

/**
 * What publishing one key did. `skipped_changed`: the row is no longer at the version the caller
 * expected (a newer change, which its outbox row will publish).
 */
export type PublishOutcome = 'put' | 'deleted' | 'unchanged' | 'skipped_newer' | 'skipped_changed';

const MAX_CAS_ATTEMPTS = 5;

function kvVersion(entry: KvEntry | null): number | null {
  if (!entry || entry.operation !== 'PUT') return null;
  const parsed = parseFlagRule(entry.value);
  return parsed.ok ? parsed.value.version : null;
}

/**
 * Writes a flag's CURRENT database state to its KV key. Never regresses: the write is a
 * compare-and-set on the entry's revision, and is skipped when the KV already holds the same or a
 * newer version. So concurrent relays, retries and replays all converge on the latest state.
 */
export class FlagPublisher {
  readonly #bucket: FlagsBucket;

  constructor(bucket: FlagsBucket) {
    this.#bucket = bucket;
  }

  /**
   * Publishes the state of `appId`/`flagKey` as it is in `db` now (a missing flag → KV delete of
   * its rule and of Airbag's circuit state beside it, ADR 0008: a deleted flag or app leaves
   * nothing behind).
   * Each attempt reads the KV entry first and the row second, then compare-and-sets: whatever
   * reached the KV before our read came from a row state no newer than the one we then read, so
   * even a forced write never regresses a key the relay published.
   * `force` rewrites an entry whose content differs at the same version (the reconciler
   * repairing drift); the relay never forces. An entry with a HIGHER version than the row is never
   * overwritten here (readers would ignore the lower version anyway): the reconciler first moves
   * the row's version past it.
   * `expectedVersion` (the reconciler's snapshot; `null` = no row) skips the write when the row
   * has changed since: that change is still in the outbox, not drift.
   */
  async publish(
    db: Queryable,
    appId: number,
    flagKey: string,
    force = false,
    expectedVersion?: number | null,
  ): Promise<PublishOutcome> {
    const key = flagKvKey(String(appId), flagKey);
    const circuitKey = circuitKvKey(String(appId), flagKey);
    let kv: KV;
    try {
      kv = await this.#bucket.get();
    } catch (err) {
      this.#bucket.reset();
      throw err;
    }
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const entry = await kv.get(key);
          const flag = await findFlag(db, appId, flagKey);
          if (expectedVersion !== undefined && (flag?.version ?? null) !== expectedVersion)
            return 'skipped_changed';
          if (!flag) return await deleteKeys(kv, key, entry, circuitKey);
          return await casOnce(kv, key, entry, flag, force);
        } catch (err) {
          if (attempt >= MAX_CAS_ATTEMPTS || !isWrongLastSequence(err)) throw err;
        }
      }
    } catch (err) {
      if (isStreamGone(err)) this.#bucket.reset();
      throw err;
    }
  }
}

/**
 * A flag without a row: deletes its circuit state (compare-and-set: a decision Airbag writes in
 * between makes the caller read again) and then its rule. `deleted` when either was there.
 */
async function deleteKeys(
  kv: KV,
  key: string,
  entry: KvEntry | null,
  circuitKey: string,
): Promise<PublishOutcome> {
  let deleted = false;
  const circuit = await kv.get(circuitKey);
  if (circuit && circuit.operation === 'PUT') {
    await kv.delete(circuitKey, { previousSeq: circuit.revision });
    deleted = true;
  }
  if (entry && entry.operation === 'PUT') {
    await kv.delete(key, { previousSeq: entry.revision });
    deleted = true;
  }
  return deleted ? 'deleted' : 'unchanged';
}

async function casOnce(
  kv: KV,
  key: string,
  entry: KvEntry | null,
  flag: Flag,
  force: boolean,
): Promise<PublishOutcome> {
  const value = encodeFlagRule(toFlagRule(flag));
  const held = kvVersion(entry);
  if (entry && held !== null) {
    if (entry.string() === value) return 'unchanged';
    if (held > flag.version) return 'skipped_newer';
    if (!force && held === flag.version) return 'unchanged';
  }
  if (!entry) await kv.create(key, value);
  else await kv.update(key, value, entry.revision);
  return 'put';
}

function errText(err: unknown): string {
  return err instanceof Error ? `${err.name} ${err.message}` : String(err);
}

/** The CAS lost a race (someone wrote the key in between): read again and retry. */
function isWrongLastSequence(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 10071 || /wrong last sequence|key exists/i.test(errText(err));
}

/** The bucket's stream is gone (deleted bucket): reopen (recreate) on the next call. */
function isStreamGone(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 10059 || /stream not found|no responders/i.test(errText(err));
}
