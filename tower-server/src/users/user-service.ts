import { Role, type Page, type UserDto } from '@tailslide/contracts';
import type pg from 'pg';
import { appendAudit, AuditAction, type ChangeContext } from '../audit/audit-service.js';
import { hashPassword, needsRehash, verifyNothing, verifyPassword } from '../auth/password.js';
import type { ChangeFeed } from '../change-feed.js';
import { withTransaction } from '../db.js';
import { ConflictError, NotFoundError, pgErrorCode } from '../errors.js';
import { idPage, type PageRequest } from '../paging.js';
import { parseId } from '../validation.js';
import {
  countOtherActiveAdmins,
  countUsers,
  lockFirstAdmin,
  deleteUserRow,
  findPasswordHash,
  findUser,
  findUserByEmail,
  insertUser,
  listUsers,
  setPasswordHash,
  touchLogin,
  updateUser,
} from './user-store.js';

/** Audited view of a user (never the hash). */
const audited = (u: UserDto) => ({ email: u.email, role: u.role, disabled: u.disabled });

/** Users and their roles; there is always at least one active admin. */
export class UserService {
  readonly #pool: pg.Pool;
  readonly #feed: ChangeFeed;

  constructor(deps: { pool: pg.Pool; feed: ChangeFeed }) {
    this.#pool = deps.pool;
    this.#feed = deps.feed;
  }

  /** One user by id, or `null`. */
  find(id: number): Promise<UserDto | null> {
    return findUser(this.#pool, id);
  }

  /**
   * The active user with this email and password, or `null`. Takes as long for an unknown email
   * or a disabled user as for a wrong password (no enumeration by timing). Records the login and
   * re-hashes a password made with weaker parameters.
   */
  async checkLogin(email: string, password: string, now: Date): Promise<UserDto | null> {
    const user = await findUserByEmail(this.#pool, email);
    const ok =
      user && !user.disabled
        ? await verifyPassword(user.passwordHash, password)
        : await verifyNothing(password);
    if (!user || !ok) return null;
    const rehash = needsRehash(user.passwordHash) ? await hashPassword(password) : null;
    const id = Number(user.id);
    await withTransaction(this.#pool, async (tx) => {
      await touchLogin(tx, id, now);
      if (rehash) await setPasswordHash(tx, id, rehash);
    });
    const { passwordHash: _hash, ...dto } = user;
    return { ...dto, lastLoginAt: now.toISOString() };
  }

  /** True when `password` is the user's current one. */
  async checkPassword(id: number, password: string): Promise<boolean> {
    const hash = await findPasswordHash(this.#pool, id);
    return hash !== null && verifyPassword(hash, password);
  }

  /** Replaces a user's password (audited without any secret). */
  async setPassword(id: number, password: string, ctx: ChangeContext): Promise<void> {
    const next = await hashPassword(password);
    const audit = await withTransaction(this.#pool, async (tx) => {
      await setPasswordHash(tx, id, next);
      return appendAudit(tx, ctx, {
        action: AuditAction.userPasswordChanged,
        entityType: 'user',
        entityId: String(id),
        appId: null,
        flagKey: null,
        before: null,
        after: null,
      });
    });
    this.#feed.auditAppended(audit);
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
      await lockFirstAdmin(tx);
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

  /**
   * Changes role and/or disabled. A disabled user's sessions stop working at once (the session
   * lookup refuses disabled users); the caller also revokes them, so re-enabling does not revive
   * them.
   */
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
    this.#feed.credentialsEnded();
  }
}
