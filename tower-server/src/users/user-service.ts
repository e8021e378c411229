import { Role, type Page, type UserDto } from '@tailslide/contracts';
import type pg from 'pg';
import { appendAudit, AuditAction, type ChangeContext } from '../audit/audit-store.js';
import { hashPassword } from '../auth/password.js';
import { revokeUserSessions } from '../auth/session-store.js';
import type { ChangeFeed } from '../change-feed.js';
import { withTransaction } from '../db.js';
import { ConflictError, NotFoundError, pgErrorCode } from '../errors.js';
import { idPage, type PageRequest } from '../paging.js';
import { parseId } from '../validation.js';
import {
  countOtherActiveAdmins,
  countUsers,
  deleteUserRow,
  findUser,
  insertUser,
  listUsers,
  updateUser,
} from './user-store.js';

/** Audited view of a user (never the hash). */
const audited = (u: UserDto) => ({ email: u.email, role: u.role, disabled: u.disabled });

/** Users and their roles; there is always at least one active admin. */
export class UserService {
  readonly #pool: pg.Pool;
  readonly #feed: ChangeFeed;
  readonly #now: () => Date;

  constructor(deps: { pool: pg.Pool; feed: ChangeFeed; now?: () => Date }) {
    this.#pool = deps.pool;
    this.#feed = deps.feed;
    this.#now = deps.now ?? (() => new Date());
  }

  list(page: PageRequest): Promise<Page<UserDto>> {
    return idPage(page, (afterId, limit) => listUsers(this.#pool, afterId, limit));
  }

  async create(
    input: { email: string; password: string; role: Role },
    ctx: ChangeContext,
  ): Promise<UserDto> {
    const passwordHash = await hashPassword(input.password);
    const { user, audit } = await withTransaction(this.#pool, async (tx) => {
      let user: UserDto;
      try {
        user = await insertUser(tx, { email: input.email, passwordHash, role: input.role });
      } catch (err) {
        if (pgErrorCode(err) === '23505')
          throw new ConflictError(`a user with email '${input.email}' already exists`);
        throw err;
      }
      const audit = await appendAudit(tx, ctx, {
        action: AuditAction.userCreated,
        entityType: 'user',
        entityId: user.id,
        appId: null,
        flagKey: null,
        before: null,
        after: audited(user),
      });
      return { user, audit };
    });
    this.#feed.auditAppended(audit);
    return user;
  }

  /**
   * Creates the first admin when there are no users at all (from `TAILSLIDE_ADMIN_EMAIL` /
   * `TAILSLIDE_ADMIN_PASSWORD` at start-up, or the CLI). Returns `null` when users exist already.
   * Concurrent starts are serialised by an advisory lock, so only one admin is created.
   */
  async createFirstAdmin(email: string, password: string, actor: string): Promise<UserDto | null> {
    const passwordHash = await hashPassword(password);
    return withTransaction(this.#pool, async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('tailslide.first-admin'))`);
      if ((await countUsers(tx)) > 0) return null;
      const user = await insertUser(tx, { email, passwordHash, role: Role.admin });
      await appendAudit(
        tx,
        { actor, requestId: null },
        {
          action: AuditAction.userCreated,
          entityType: 'user',
          entityId: user.id,
          appId: null,
          flagKey: null,
          before: null,
          after: audited(user),
        },
      );
      return user;
    });
  }

  async update(
    idRaw: string,
    change: { role?: Role | undefined; disabled?: boolean | undefined },
    ctx: ChangeContext,
  ): Promise<UserDto> {
    const id = parseId(idRaw, 'user');
    const { user, audit } = await withTransaction(this.#pool, async (tx) => {
      const before = await findUser(tx, id, true);
      if (!before) throw new NotFoundError('user');
      const next = {
        role: change.role ?? before.role,
        disabled: change.disabled ?? before.disabled,
      };
      if (next.role === before.role && next.disabled === before.disabled)
        return { user: before, audit: null };
      const staysActiveAdmin = next.role === Role.admin && !next.disabled;
      if (!staysActiveAdmin && (await countOtherActiveAdmins(tx, id)) === 0)
        throw new ConflictError('this would leave no active admin');
      const user = await updateUser(tx, id, next);
      if (next.disabled && !before.disabled) await revokeUserSessions(tx, id, this.#now());
      const audit = await appendAudit(tx, ctx, {
        action: AuditAction.userUpdated,
        entityType: 'user',
        entityId: user.id,
        appId: null,
        flagKey: null,
        before: audited(before),
        after: audited(user),
      });
      return { user, audit };
    });
    if (audit) this.#feed.auditAppended(audit);
    return user;
  }

  async delete(idRaw: string, ctx: ChangeContext): Promise<void> {
    const id = parseId(idRaw, 'user');
    const audit = await withTransaction(this.#pool, async (tx) => {
      const before = await findUser(tx, id, true);
      if (!before) throw new NotFoundError('user');
      if ((await countOtherActiveAdmins(tx, id)) === 0)
        throw new ConflictError('this would leave no active admin');
      await deleteUserRow(tx, id);
      return appendAudit(tx, ctx, {
        action: AuditAction.userDeleted,
        entityType: 'user',
        entityId: before.id,
        appId: null,
        flagKey: null,
        before: audited(before),
        after: null,
      });
    });
    this.#feed.auditAppended(audit);
  }
}
