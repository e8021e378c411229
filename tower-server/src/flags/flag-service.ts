import {
  DEFAULT_CIRCUIT_SETTINGS,
  encodeFlagRule,
  CircuitState,
  isValidToken,
  TOKEN_PATTERN,
  type AuditEntryDto,
  type FlagDto,
  type Page,
} from '@tailslide/contracts';
import type pg from 'pg';
import { appendAudit, AuditAction, type ChangeContext } from '../audit/audit-service.js';
import type { ChangeFeed } from '../change-feed.js';
import { toggleValues, valuesOf } from '../circuits/circuit-transitions.js';
import { withTransaction, type Queryable } from '../db.js';
import {
  ConflictError,
  NotFoundError,
  ValidationError,
  VersionConflictError,
  pgErrorCode,
} from '../errors.js';
import { keysetPage, type PageRequest } from '../paging.js';
import { parseId } from '../validation.js';
import { findApp, requireApp } from '../apps/app-service.js';
import type { CreateFlagInput, UpdateFlagInput } from './flag-schemas.js';
import {
  deleteFlagRow,
  existingWebhookIds,
  findFlag,
  insertFlag,
  insertOutbox,
  listFlagPage,
  listFlags,
  setFlagWebhooks,
  toFlagDto,
  toFlagRule,
  updateFlag,
  type Flag,
  type FlagValues,
} from './flag-store.js';

/** What {@link FlagService} needs. */
export interface FlagServiceDeps {
  readonly pool: pg.Pool;
  readonly feed: ChangeFeed;
  readonly now?: () => Date;
}

/**
 * Largest KV value Tower writes. NATS refuses messages over `max_payload` (1 MB by default); a
 * rule that big could never be published and would hold up the relay, so it is refused at the
 * edge, inside the transaction (nothing is written).
 */
export const MAX_RULE_BYTES = 512 * 1024;

function assertPublishable(flag: Flag): Flag {
  const bytes = Buffer.byteLength(encodeFlagRule(toFlagRule(flag)), 'utf8');
  if (bytes > MAX_RULE_BYTES) {
    throw new ValidationError(
      `the flag rule would be ${bytes} bytes; the limit is ${MAX_RULE_BYTES} (shorten the whitelist)`,
      [{ path: 'whitelist', message: 'too large to publish' }],
    );
  }
  return flag;
}

/** Parses the flag key of a URL; a key that cannot exist is a 404. */
export function parseFlagKey(raw: string | undefined): string {
  if (raw === undefined || !isValidToken(raw)) throw new NotFoundError('flag');
  return raw;
}

function sameValues(a: FlagValues, b: FlagValues): boolean {
  return (
    JSON.stringify({
      ...a,
      circuitStatus: { ...a.circuitStatus, changedAt: a.circuitStatus.changedAt.getTime() },
    }) ===
    JSON.stringify({
      ...b,
      circuitStatus: { ...b.circuitStatus, changedAt: b.circuitStatus.changedAt.getTime() },
    })
  );
}

function uniq<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

async function resolveWebhookIds(db: Queryable, raw: readonly string[]): Promise<number[]> {
  const ids = uniq(raw.map(Number));
  const found = new Set(await existingWebhookIds(db, ids));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw new ValidationError(
      'unknown alert webhook ids',
      missing.map((id) => ({ path: 'alertWebhookIds', message: `webhook ${id} does not exist` })),
    );
  }
  return ids;
}

/** Result of a committed flag change, for the after-commit notifications. */
interface Committed {
  readonly flag: FlagDto;
  readonly audit: AuditEntryDto | null;
}

/** Flags of an app: every change commits row + audit + outbox in one transaction. */
export class FlagService {
  readonly #pool: pg.Pool;
  readonly #feed: ChangeFeed;
  readonly #now: () => Date;

  constructor(deps: FlagServiceDeps) {
    this.#pool = deps.pool;
    this.#feed = deps.feed;
    this.#now = deps.now ?? (() => new Date());
  }

  /** A page of an app's flags, by key. */
  async list(appIdRaw: string, page: PageRequest): Promise<Page<FlagDto>> {
    const appId = parseId(appIdRaw, 'app');
    await requireApp(this.#pool, appId);
    return keysetPage(
      'flag',
      page,
      TOKEN_PATTERN,
      (f) => f.key,
      async (after, limit) => (await listFlagPage(this.#pool, appId, after, limit)).map(toFlagDto),
    );
  }

  async get(appIdRaw: string, keyRaw: string): Promise<FlagDto> {
    const appId = parseId(appIdRaw, 'app');
    const key = parseFlagKey(keyRaw);
    const flag = await findFlag(this.#pool, appId, key);
    if (!flag) {
      await requireApp(this.#pool, appId);
      throw new NotFoundError('flag');
    }
    return toFlagDto(flag);
  }

  async create(appIdRaw: string, input: CreateFlagInput, ctx: ChangeContext): Promise<FlagDto> {
    const appId = parseId(appIdRaw, 'app');
    const now = this.#now();
    const result = await withTransaction(this.#pool, async (tx) => {
      await requireApp(tx, appId, true);
      const webhookIds = await resolveWebhookIds(tx, input.alertWebhookIds ?? []);
      const values: FlagValues = {
        title: input.title,
        description: input.description ?? '',
        active: input.active ?? false,
        rolloutPercentage: input.rolloutPercentage ?? 100,
        whitelist: uniq(input.whitelist ?? []),
        circuit: { ...DEFAULT_CIRCUIT_SETTINGS, ...input.circuit },
        circuitStatus: { state: CircuitState.closed, recoveryPercentage: 100, changedAt: now },
      };
      let id: number;
      try {
        id = await insertFlag(tx, appId, input.key, values);
      } catch (err) {
        if (pgErrorCode(err) === '23505')
          throw new ConflictError(`a flag with key '${input.key}' already exists in this app`);
        throw err;
      }
      await setFlagWebhooks(tx, id, webhookIds);
      const flag = toFlagDto(assertPublishable((await findFlag(tx, appId, input.key))!));
      const audit = await appendAudit(tx, ctx, {
        action: AuditAction.flagCreated,
        entityType: 'flag',
        entityId: flag.id,
        appId,
        flagKey: flag.key,
        before: null,
        after: flag,
      });
      await insertOutbox(tx, appId, flag.key);
      return { flag, audit };
    });
    this.#afterCommit(result);
    await this.#appCountChanged(appId);
    return result.flag;
  }

  async update(
    appIdRaw: string,
    keyRaw: string,
    input: UpdateFlagInput,
    ifMatch: number | undefined,
    ctx: ChangeContext,
  ): Promise<FlagDto> {
    const { version, alertWebhookIds, circuit, reason: _reason, ...rest } = input;
    return this.#mutate(
      appIdRaw,
      keyRaw,
      version ?? ifMatch,
      ctx,
      AuditAction.flagUpdated,
      async (tx, flag) => {
        const base = valuesOf(flag);
        const values: FlagValues = {
          ...base,
          ...rest,
          whitelist: rest.whitelist ? uniq(rest.whitelist) : base.whitelist,
          circuit: { ...base.circuit, ...circuit },
        };
        const webhookIds =
          alertWebhookIds === undefined ? undefined : await resolveWebhookIds(tx, alertWebhookIds);
        return { values, webhookIds };
      },
    );
  }

  async toggle(
    appIdRaw: string,
    keyRaw: string,
    active: boolean,
    version: number | undefined,
    ctx: ChangeContext,
  ): Promise<FlagDto> {
    return this.#mutate(
      appIdRaw,
      keyRaw,
      version,
      ctx,
      active ? AuditAction.flagToggledOn : AuditAction.flagToggledOff,
      (_tx, flag) => Promise.resolve({ values: toggleValues(flag, active, this.#now()) }),
    );
  }

  async delete(
    appIdRaw: string,
    keyRaw: string,
    version: number | undefined,
    ctx: ChangeContext,
  ): Promise<void> {
    const appId = parseId(appIdRaw, 'app');
    const key = parseFlagKey(keyRaw);
    const audit = await withTransaction(this.#pool, async (tx) => {
      const flag = await findFlag(tx, appId, key, true);
      if (!flag) throw new NotFoundError('flag');
      if (version !== undefined && version !== flag.version)
        throw new VersionConflictError(version, flag.version);
      return deleteFlagInTx(tx, flag, ctx);
    });
    this.#feed.flagDeleted({ appId: String(appId), flagKey: key, id: audit.entityId });
    this.#feed.auditAppended(audit);
    this.#feed.outboxWritten();
    await this.#appCountChanged(appId);
  }

  /** Pushes the app with its new flag count (best effort: the change is committed already). */
  async #appCountChanged(appId: number): Promise<void> {
    try {
      const app = await findApp(this.#pool, appId);
      if (app) this.#feed.appChanged(app);
    } catch {
      // Only a dashboard counter; the flag events went out.
    }
  }

  async #mutate(
    appIdRaw: string,
    keyRaw: string,
    expectedVersion: number | undefined,
    ctx: ChangeContext,
    action: AuditAction,
    change: (
      tx: pg.PoolClient,
      flag: Flag,
    ) => Promise<{ values: FlagValues; webhookIds?: number[] | undefined }>,
  ): Promise<FlagDto> {
    const appId = parseId(appIdRaw, 'app');
    const key = parseFlagKey(keyRaw);
    const result = await withTransaction(this.#pool, async (tx): Promise<Committed> => {
      const flag = await findFlag(tx, appId, key, true);
      if (!flag) {
        await requireApp(tx, appId);
        throw new NotFoundError('flag');
      }
      if (expectedVersion !== undefined && expectedVersion !== flag.version) {
        throw new VersionConflictError(expectedVersion, flag.version);
      }
      const { values, webhookIds } = await change(tx, flag);
      const webhooksChanged =
        webhookIds !== undefined &&
        JSON.stringify([...webhookIds].sort((a, b) => a - b)) !==
          JSON.stringify(flag.alertWebhookIds);
      const before = toFlagDto(flag);
      if (sameValues(values, valuesOf(flag)) && !webhooksChanged)
        return { flag: before, audit: null };
      await updateFlag(tx, flag.id, values);
      if (webhookIds !== undefined) await setFlagWebhooks(tx, flag.id, webhookIds);
      const after = toFlagDto(assertPublishable((await findFlag(tx, appId, key))!));
      const audit = await appendAudit(tx, ctx, {
        action,
        entityType: 'flag',
        entityId: after.id,
        appId,
        flagKey: key,
        before,
        after,
      });
      await insertOutbox(tx, appId, key);
      return { flag: after, audit };
    });
    this.#afterCommit(result);
    return result.flag;
  }

  #afterCommit(result: Committed): void {
    if (!result.audit) return;
    this.#feed.flagChanged(result.flag);
    this.#feed.auditAppended(result.audit);
    this.#feed.outboxWritten();
  }
}

export { findFlag, type Flag, type FlagValues } from './flag-store.js';

/** Deletes every flag of an app inside the app's deletion transaction (each locked and audited). */
export async function deleteAppFlagsInTx(
  tx: Queryable,
  appId: number,
  ctx: ChangeContext,
): Promise<{ flags: Flag[]; audits: AuditEntryDto[] }> {
  const flags: Flag[] = [];
  const audits: AuditEntryDto[] = [];
  for (const listed of await listFlags(tx, appId)) {
    const flag = await findFlag(tx, appId, listed.key, true);
    if (!flag) continue;
    flags.push(flag);
    audits.push(await deleteFlagInTx(tx, flag, ctx));
  }
  return { flags, audits };
}

/** Writes new values of a locked flag and queues its KV publish; returns it before and after. */
export async function updateFlagInTx(
  tx: Queryable,
  flag: Flag,
  values: FlagValues,
): Promise<{ before: FlagDto; after: FlagDto }> {
  const before = toFlagDto(flag);
  await updateFlag(tx, flag.id, values);
  const after = toFlagDto((await findFlag(tx, flag.appId, flag.key))!);
  await insertOutbox(tx, flag.appId, flag.key);
  return { before, after };
}

/** Deletes a locked flag inside a transaction: row, audit entry and outbox entry (→ KV delete). */
export async function deleteFlagInTx(
  tx: Queryable,
  flag: Flag,
  ctx: ChangeContext,
): Promise<AuditEntryDto> {
  const before = toFlagDto(flag);
  await deleteFlagRow(tx, flag.id);
  const audit = await appendAudit(tx, ctx, {
    action: AuditAction.flagDeleted,
    entityType: 'flag',
    entityId: before.id,
    appId: flag.appId,
    flagKey: flag.key,
    before,
    after: null,
  });
  await insertOutbox(tx, flag.appId, flag.key);
  return audit;
}
