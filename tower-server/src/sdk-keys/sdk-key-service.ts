import { createHash } from 'node:crypto';
import {
  encodeSdkKey,
  sdkRedisUser,
  type CreatedSdkKeyDto,
  type Page,
  type SdkKeyDto,
} from '@tailslide/contracts';
import type pg from 'pg';
import type { Logger } from 'pino';
import { requireApp } from '../apps/app-service.js';
import { appendAudit, AuditAction, type ChangeContext } from '../audit/audit-service.js';
import type { ChangeFeed } from '../change-feed.js';
import { withTransaction } from '../db.js';
import { NotFoundError, UnavailableError } from '../errors.js';
import { idPage, type PageRequest } from '../paging.js';
import { parseId } from '../validation.js';
import type { SdkNatsAccount } from './nats-account.js';
import { sdkSecretSha256, type RedisSdkAcl } from './redis-acl.js';
import {
  findSdkKeyForUpdate,
  insertSdkKey,
  listLiveRedisGrants,
  listRevokedNatsUsers,
  listSdkKeys,
  lockRevocations,
  nextSdkKeyId,
  revokeSdkKey,
} from './sdk-key-store.js';

/** sha256 of a whole key string (the `key_hash` column: lets support tell which key someone holds). */
export function hashSdkKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The part of {@link RedisSdkAcl} the service uses. */
export type SdkRedisAcl = Pick<RedisSdkAcl, 'grant' | 'revoke' | 'syncWith'>;

/** What a new key is made of: its name and its app. */
export interface CreateSdkKeyInput {
  readonly name: string;
  readonly appId: string;
}

/**
 * SDK keys (ADR 0007): per-app credentials. Creating one mints a NATS user that may only watch
 * the app's keys and a Redis ACL user that may only write the app's signals, and returns them
 * packed in one `tsk1.…` string, shown once. Revoking one puts its NATS user in the account
 * JWT's revocations (pushed to the server before the revocation commits: a revoked key never
 * stays usable) and deletes its Redis user.
 */
export class SdkKeyService {
  readonly #pool: pg.Pool;
  readonly #feed: ChangeFeed;
  readonly #nats: SdkNatsAccount;
  readonly #redis: SdkRedisAcl | null;
  readonly #redisPrefix: string;
  readonly #logger: Pick<Logger, 'warn'> | null;

  constructor(deps: {
    pool: pg.Pool;
    feed: ChangeFeed;
    nats: SdkNatsAccount;
    /** Redis ACL of SDK users; `null` when Tower runs without Redis. */
    redis?: SdkRedisAcl | null;
    /** `TAILSLIDE_REDIS_PREFIX`: Redis users are `<prefix>-sdk-<keyId>`. */
    redisPrefix: string;
    logger?: Pick<Logger, 'warn'>;
  }) {
    this.#pool = deps.pool;
    this.#feed = deps.feed;
    this.#nats = deps.nats;
    this.#redis = deps.redis ?? null;
    this.#redisPrefix = deps.redisPrefix;
    this.#logger = deps.logger ?? null;
  }

  /** False when no NATS server enforces the keys (Tower runs without `TAILSLIDE_NATS_DIR`). */
  get enforced(): boolean {
    return this.#nats.enforced;
  }

  /** Keys, oldest first; only one app's when `appId` is given. */
  list(page: PageRequest, appId?: string): Promise<Page<SdkKeyDto>> {
    const app = appId === undefined ? null : parseId(appId, 'App');
    return idPage(page, (afterId, limit) => listSdkKeys(this.#pool, afterId, limit, app));
  }

  async create(input: CreateSdkKeyInput, ctx: ChangeContext): Promise<CreatedSdkKeyDto> {
    const appNumber = parseId(input.appId, 'App');
    const appId = String(appNumber);
    const { created, audit, grant } = await withTransaction(this.#pool, async (tx) => {
      await requireApp(tx, appNumber, true);
      const id = await nextSdkKeyId(tx);
      const user = await this.#nats.mintSdkUser(appId, id);
      const redisUser = sdkRedisUser(this.#redisPrefix, id);
      const key = encodeSdkKey({
        appId,
        keyId: id,
        natsJwt: user.jwt,
        secret: user.seed,
        redisUser,
      });
      const grant = { redisUser, appId, secretSha256: sdkSecretSha256(user.seed) };
      const dto = await insertSdkKey(tx, {
        id,
        name: input.name,
        prefix: `tsk1.${appId}.${id}`,
        keyHash: hashSdkKey(key),
        natsPublicKey: user.publicKey,
        ...grant,
      });
      const audit = await appendAudit(tx, ctx, {
        action: AuditAction.sdkKeyCreated,
        entityType: 'sdk_key',
        entityId: dto.id,
        appId: appNumber,
        flagKey: null,
        before: null,
        after: dto,
      });
      const created: CreatedSdkKeyDto = {
        id: dto.id,
        name: dto.name,
        appId,
        prefix: dto.prefix,
        createdAt: dto.createdAt,
        key,
      };
      return { created, audit, grant };
    });
    this.#feed.auditAppended(audit);
    // After the commit: a Redis that is down now gets the user at its next sync (every reconnect).
    await this.#redis?.grant(grant).catch((err: unknown) => {
      this.#logger?.warn({ err, keyId: created.id }, 'redis grant of a new SDK key failed');
    });
    return created;
  }

  async revoke(idRaw: string, ctx: ChangeContext): Promise<void> {
    const id = parseId(idRaw, 'SDK key');
    const result = await withTransaction(this.#pool, async (tx) => {
      await lockRevocations(tx);
      const before = await findSdkKeyForUpdate(tx, id);
      if (!before) throw new NotFoundError('SDK key');
      if (before.revokedAt) return null;
      const after = await revokeSdkKey(tx, id);
      await this.#publishRevocationsIn(tx);
      const { redisUser, ...shown } = before;
      const audit = await appendAudit(tx, ctx, {
        action: AuditAction.sdkKeyRevoked,
        entityType: 'sdk_key',
        entityId: before.id,
        appId: before.appId === null ? null : Number(before.appId),
        flagKey: null,
        before: shown,
        after,
      });
      return { audit, redisUser };
    });
    if (!result) return;
    this.#feed.auditAppended(result.audit);
    if (result.redisUser)
      await this.#redis?.revoke(result.redisUser).catch((err: unknown) => {
        this.#logger?.warn({ err, keyId: String(id) }, 'redis revoke of an SDK key failed');
      });
  }

  /**
   * Makes NATS hold exactly Postgres's revocations (at Tower's start, after a NATS reconnect,
   * after an app deletion revoked its keys). Rejects when the server refuses.
   */
  async syncNats(): Promise<void> {
    await withTransaction(this.#pool, async (tx) => {
      await lockRevocations(tx);
      await this.#publishRevocationsIn(tx);
    });
  }

  /** The Redis grants of every live key (for `RedisSdkAcl.syncWith`). */
  liveRedisGrants(): ReturnType<typeof listLiveRedisGrants> {
    return listLiveRedisGrants(this.#pool);
  }

  async #publishRevocationsIn(tx: pg.PoolClient): Promise<void> {
    if (!this.#nats.enforced) return;
    const revoked = await listRevokedNatsUsers(tx);
    try {
      await this.#nats.publishRevocations(revoked);
    } catch (err) {
      throw new UnavailableError('NATS did not take the revocation; try again', { cause: err });
    }
  }
}
