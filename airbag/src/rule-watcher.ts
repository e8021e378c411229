import {
  ALL_FLAGS_KV_FILTER,
  parseFlagKvKey,
  parseFlagRule,
  type FlagRule,
  probeKvWatch,
} from '@tailslide/contracts';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { AirbagMetrics } from './airbag-metrics.js';

export interface RuleWatcherDeps {
  /** The flags bucket. */
  readonly kv: KV;
  readonly logger: Logger;
  /** Delay before re-opening a watch that ended (connection closed, bucket recreated). @default 1000 */
  readonly restartDelayMs?: number;
  /** How often to check that the bucket was not recreated or purged under the watch. @default 5000 */
  readonly checkIntervalMs?: number;
  /** Counts the watch re-reads the check caused (`airbag_watch_rereads_total`). */
  readonly metrics?: Pick<AirbagMetrics, 'watchRereads'>;
}

interface Waiter {
  readonly appId: string;
  readonly flagKey: string;
  readonly minVersion: number;
  readonly resolve: (rule: FlagRule) => void;
}

const EMPTY: ReadonlyMap<string, FlagRule> = new Map();

function ruleId(appId: string, flagKey: string): string {
  return `${appId}.${flagKey}`;
}

/**
 * Keeps the latest {@link FlagRule} of every flag of every app from a KV watch on
 * `ALL_FLAGS_KV_FILTER`. Entries are applied only when their version is newer than the one held,
 * so replays and reordering are no-ops. If the watch ends it is re-opened; the fresh snapshot
 * replaces the old one (keys missing from it were purged while we were away).
 */
export class RuleWatcher {
  readonly #kv: KV;
  readonly #logger: Logger;
  readonly #restartDelayMs: number;
  readonly #metrics: RuleWatcherDeps['metrics'];
  readonly #rules = new Map<string, FlagRule>();
  /** The same rules by app, for a wake-up's tick of one app (ADR 0003, "Wake-ups"). */
  readonly #byApp = new Map<string, Map<string, FlagRule>>();
  #waiters: Waiter[] = [];
  #stopped = false;
  #stopWatch: (() => void) | null = null;
  #restartTimer: NodeJS.Timeout | null = null;
  #checkTimer: NodeJS.Timeout | null = null;
  /** Creation time of the bucket's stream when the current watch was opened. */
  #streamCreated: string | null = null;
  /** Highest KV revision delivered by the current watch. */
  #maxRevision = 0;
  #restartFailures = 0;
  #loop: Promise<void> = Promise.resolve();

  private constructor(deps: RuleWatcherDeps) {
    this.#kv = deps.kv;
    this.#logger = deps.logger;
    this.#restartDelayMs = deps.restartDelayMs ?? 1000;
    this.#metrics = deps.metrics;
  }

  /** Starts watching and resolves once the initial snapshot has been applied. */
  static async start(deps: RuleWatcherDeps): Promise<RuleWatcher> {
    const w = new RuleWatcher(deps);
    await w.#open();
    w.#checkTimer = setInterval(() => void w.checkBucket(), deps.checkIntervalMs ?? 5000);
    w.#checkTimer.unref();
    return w;
  }

  /**
   * An ordered consumer resumes after the last sequence it saw, so if the bucket is deleted and
   * recreated (or purged) it would silently skip the new entries. Detect that from the stream's
   * creation time and last sequence, and re-open the watch, which re-reads every key.
   * Runs on a timer; returns whether it re-opened the watch.
   */
  async checkBucket(): Promise<boolean> {
    if (this.#stopped || this.#stopWatch === null) return false;
    // The revision delivered BEFORE asking: the stream's last sequence in the reply is at least
    // that unless the stream lost messages. Entries delivered while the request is in flight may
    // be newer than the reply's snapshot; comparing with them reported a purge under every burst
    // of writes (and re-read every key each time).
    const seen = this.#maxRevision;
    const stopWatch = this.#stopWatch;
    try {
      const info = (await this.#kv.status()).streamInfo;
      const recreated = this.#streamCreated !== null && info.created !== this.#streamCreated;
      const rewound = info.state.last_seq < seen;
      if (!recreated && !rewound) return false;
      // The watch was re-opened meanwhile (a newer snapshot): nothing left to repair.
      if (stopWatch !== this.#stopWatch) return false;
      this.#logger.warn(
        { recreated, rewound, lastSeq: info.state.last_seq, seen },
        'flags bucket was recreated or purged; re-reading it',
      );
      this.#metrics?.watchRereads.inc({ reason: recreated ? 'recreated' : 'purged' });
      stopWatch();
      return true;
    } catch {
      // Bucket missing or NATS unreachable: the watch reports that itself.
      return false;
    }
  }

  /** Every rule held, in no particular order. */
  rules(): IterableIterator<FlagRule> {
    return this.#rules.values();
  }

  /** The rules of one app (none when the app has no flags). */
  rulesOf(appId: string): IterableIterator<FlagRule> {
    return (this.#byApp.get(appId) ?? EMPTY).values();
  }

  /** Whether any flag of `appId` is held. */
  hasApp(appId: string): boolean {
    return this.#byApp.has(appId);
  }

  /** How many rules are held. */
  size(): number {
    return this.#rules.size;
  }

  /** The rule of one flag, if held. */
  get(appId: string, flagKey: string): FlagRule | undefined {
    return this.#rules.get(ruleId(appId, flagKey));
  }

  /** Resolves once the watch has delivered the flag at `minVersion` or later. */
  waitForRule(
    appId: string,
    flagKey: string,
    minVersion = 0,
    timeoutMs = 10_000,
  ): Promise<FlagRule> {
    const held = this.get(appId, flagKey);
    if (held && held.version >= minVersion) return Promise.resolve(held);
    return new Promise<FlagRule>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new Error(`flag ${appId}/${flagKey} v${minVersion} not seen within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        appId,
        flagKey,
        minVersion,
        resolve: (rule) => {
          clearTimeout(timer);
          resolve(rule);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /**
   * Re-opens the watch from scratch (every key read again). Airbag calls it when a NATS server
   * leaves the cluster: the watch's ordered consumer may have lived there, and nats.js would
   * notice only after missed heartbeats and then re-create it slowly (95 s measured).
   */
  rewatch(): void {
    if (!this.#stopped) this.#stopWatch?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    if (this.#checkTimer) clearInterval(this.#checkTimer);
    this.#stopWatch?.();
    await this.#loop;
  }

  async #open(): Promise<void> {
    // Count the live keys first: the watch reports the end of its initial snapshot on the last
    // initial entry, so with zero keys there is nothing to wait for.
    let expected = 0;
    const keys = await this.#kv.keys(ALL_FLAGS_KV_FILTER);
    for await (const _key of keys) expected++;

    this.#streamCreated = (await this.#kv.status()).streamInfo.created;
    this.#maxRevision = 0;
    const iter = await this.#kv.watch({ key: ALL_FLAGS_KV_FILTER });
    let stopped = false;
    this.#stopWatch = () => {
      if (stopped) return;
      stopped = true;
      probe?.stop();
      iter.stop();
    };
    const stopThisWatch = this.#stopWatch;
    // The watch's consumer may die with a cluster server while Airbag's connection stays up.
    const probe = probeKvWatch(iter, {
      onLost: (reason) => {
        this.#logger.warn({ reason }, 'flag watch consumer lost; re-opening');
        stopThisWatch();
      },
    });
    const seen = new Set<string>();
    let snapshotDone = false;
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const finishSnapshot = () => {
      if (snapshotDone) return;
      snapshotDone = true;
      for (const id of [...this.#rules.keys()]) if (!seen.has(id)) this.#remove(id);
      markReady();
    };
    if (expected === 0) finishSnapshot();

    this.#loop = (async () => {
      try {
        for await (const entry of iter) {
          if (entry.revision > this.#maxRevision) this.#maxRevision = entry.revision;
          const id = this.#apply(entry);
          if (!snapshotDone) {
            if (id !== null) seen.add(id);
            if (entry.isUpdate) finishSnapshot();
          }
        }
      } catch (err) {
        this.#logger.warn({ err }, 'flag watch failed');
      }
      probe?.stop();
      finishSnapshot();
      if (!this.#stopped) {
        this.#logger.warn('flag watch ended; re-opening');
        this.#scheduleRestart();
      }
    })();
    await ready;
  }

  #scheduleRestart(): void {
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (this.#stopped) return;
      this.#open().then(
        () => {
          if (this.#restartFailures > 0) this.#logger.info('flag watch re-opened');
          this.#restartFailures = 0;
        },
        (err: unknown) => {
          // Logged when the streak starts and then once a minute, not every second.
          if (this.#restartFailures % 60 === 0)
            this.#logger.warn({ err }, 'could not re-open the flag watch; retrying');
          this.#restartFailures++;
          if (!this.#stopped) this.#scheduleRestart();
        },
      );
    }, this.#restartDelayMs);
  }

  /** Applies one entry; returns the rule id it concerned, or null when the key is not a flag. */
  #apply(entry: KvWatchEntry): string | null {
    const key = parseFlagKvKey(entry.key);
    if (key === null) return null;
    const id = ruleId(key.appId, key.flagKey);
    if (entry.operation !== 'PUT') {
      this.#remove(id);
      return id;
    }
    const parsed = parseFlagRule(entry.value);
    if (!parsed.ok) {
      this.#logger.warn({ key: entry.key, error: parsed.error }, 'ignoring an invalid flag rule');
      return id;
    }
    const rule = parsed.value;
    if (rule.appId !== key.appId || rule.flagKey !== key.flagKey) {
      this.#logger.warn({ key: entry.key }, 'ignoring a flag rule stored under another key');
      return id;
    }
    const held = this.#rules.get(id);
    if (held === undefined || rule.version > held.version) {
      this.#rules.set(id, rule);
      let app = this.#byApp.get(rule.appId);
      if (app === undefined) {
        app = new Map();
        this.#byApp.set(rule.appId, app);
      }
      app.set(rule.flagKey, rule);
      this.#notify(rule);
    }
    return id;
  }

  #remove(id: string): void {
    const rule = this.#rules.get(id);
    if (rule === undefined) return;
    this.#rules.delete(id);
    const app = this.#byApp.get(rule.appId);
    app?.delete(rule.flagKey);
    if (app?.size === 0) this.#byApp.delete(rule.appId);
  }

  #notify(rule: FlagRule): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.appId === rule.appId && w.flagKey === rule.flagKey && rule.version >= w.minVersion)
        w.resolve(rule);
      else still.push(w);
    }
    this.#waiters = still;
  }
}
