import { AIRBAG_LEADER_KEY } from '@tailslide/contracts';
import { JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';

/** The lease record stored under `AIRBAG_LEADER_KEY`. */
export interface LeaseRecord {
  readonly holder: string;
  /** Ms since the epoch after which another instance may take the lease. */
  readonly expiresAt: number;
}

export interface LeaderLeaseDeps {
  /** The Airbag KV bucket. */
  readonly kv: KV;
  readonly instanceId: string;
  readonly leaseMs: number;
  readonly logger: Logger;
}

function parseRecord(value: Uint8Array): LeaseRecord | null {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(value));
    if (typeof v !== 'object' || v === null) return null;
    const r = v as Record<string, unknown>;
    if (typeof r.holder !== 'string' || typeof r.expiresAt !== 'number') return null;
    return { holder: r.holder, expiresAt: r.expiresAt };
  } catch {
    return null;
  }
}

function encode(record: LeaseRecord): string {
  return JSON.stringify(record);
}

/**
 * Leader election with a lease in NATS KV. Every write is a compare-and-set (`kv.create` for a
 * missing key, `kv.update(key, value, revision)` otherwise), so two instances can never both win
 * the same revision. The holder renews on every tick; another instance takes over once
 * `expiresAt` has passed, i.e. within `leaseMs` + one poll interval of the holder's death.
 *
 * When a renewal fails for a reason other than losing the race (NATS unreachable), the holder
 * keeps acting until the expiry it last wrote: nobody else can take the lease before then.
 * Times come from the injected clock; hosts' clocks must agree to well within `leaseMs`.
 */
export class LeaderLease {
  readonly #kv: KV;
  readonly #id: string;
  readonly #leaseMs: number;
  readonly #logger: Logger;
  #leader = false;
  /** Expiry of the lease we last wrote successfully; 0 when we hold none. */
  #heldUntil = 0;
  #revision = 0;

  constructor(deps: LeaderLeaseDeps) {
    this.#kv = deps.kv;
    this.#id = deps.instanceId;
    this.#leaseMs = deps.leaseMs;
    this.#logger = deps.logger;
  }

  /** Whether the last {@link acquire} made or kept this instance the leader. */
  isLeader(): boolean {
    return this.#leader;
  }

  /**
   * Whether this instance still holds the lease at `now` without asking NATS: leader at the last
   * {@link acquire} and the expiry it wrote not reached (nobody else can take it before then).
   */
  holds(now: number): boolean {
    return this.#leader && this.#heldUntil > now;
  }

  /** Acquires or renews the lease at time `now`. Never throws. */
  async acquire(now: number): Promise<boolean> {
    const mine = encode({ holder: this.#id, expiresAt: now + this.#leaseMs });
    try {
      const entry = await this.#kv.get(AIRBAG_LEADER_KEY);
      let revision: number;
      if (entry === null || entry.operation !== 'PUT') {
        revision =
          entry === null
            ? await this.#kv.create(AIRBAG_LEADER_KEY, mine)
            : await this.#kv.update(AIRBAG_LEADER_KEY, mine, entry.revision);
      } else {
        const current = parseRecord(entry.value);
        if (current !== null && current.holder !== this.#id && current.expiresAt > now) {
          return this.#set(false, 0, 0, current.holder);
        }
        revision = await this.#kv.update(AIRBAG_LEADER_KEY, mine, entry.revision);
      }
      return this.#set(true, now + this.#leaseMs, revision);
    } catch (err) {
      if (err instanceof JetStreamApiError) {
        // Lost a compare-and-set: another instance wrote first.
        return this.#set(false, 0, 0);
      }
      const stillValid = this.#heldUntil > now;
      if (this.#leader !== stillValid) {
        this.#logger.warn({ err, stillValid }, 'could not renew the airbag lease');
      }
      this.#leader = stillValid;
      return stillValid;
    }
  }

  /** Gives the lease up (expires it now) if this instance holds it. Never throws. */
  async release(): Promise<void> {
    if (!this.#leader || this.#revision === 0) return;
    try {
      await this.#kv.update(
        AIRBAG_LEADER_KEY,
        encode({ holder: this.#id, expiresAt: 0 }),
        this.#revision,
      );
    } catch (err) {
      this.#logger.debug({ err }, 'lease release skipped');
    }
    this.#set(false, 0, 0);
  }

  #set(leader: boolean, heldUntil: number, revision: number, other?: string): boolean {
    if (leader !== this.#leader) {
      this.#logger.info(
        { instanceId: this.#id, leader, holder: other },
        leader ? 'became airbag leader' : 'not the airbag leader',
      );
    }
    this.#leader = leader;
    this.#heldUntil = heldUntil;
    this.#revision = revision;
    return leader;
  }
}
