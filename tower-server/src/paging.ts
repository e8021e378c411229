import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, type Page } from '@tailslide/contracts';
import { z } from 'zod';
import { ValidationError } from './errors.js';

/** `?limit=` (1–200, default 50) of every list endpoint. */
export const pageLimit = z
  .string()
  .regex(/^\d{1,4}$/, 'must be an integer')
  .transform(Number)
  .pipe(z.int().min(1).max(MAX_PAGE_LIMIT));

/** `?limit=&cursor=` of a list endpoint. */
export const pageQuerySchema = z.strictObject({
  limit: pageLimit.optional(),
  cursor: z.string().max(200).optional(),
});

/** The `{ items, nextCursor }` answer of a list of `item`, named `id` in the OpenAPI document. */
export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      items: z.array(item).readonly(),
      nextCursor: z
        .string()
        .nullable()
        .meta({ description: 'Pass as ?cursor= for the next page; null at the end' }),
    })
    .meta({ id });
}

/** A parsed page request. */
export interface PageRequest {
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

/**
 * Encodes a keyset cursor: the sort value of the last item of a page, tagged with what it pages
 * (`kind`) so a cursor of one list is refused by another. Opaque to clients (base64url).
 */
export function encodeCursor(kind: string, value: string | number): string {
  return Buffer.from(`${kind}:${value}`, 'utf8').toString('base64url');
}

/** Decodes a cursor of `kind` whose value matches `pattern`; anything else is a 400. */
export function decodeCursor(kind: string, cursor: string, pattern: RegExp): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const value = text.startsWith(`${kind}:`) ? text.slice(kind.length + 1) : null;
  if (value === null || !pattern.test(value))
    throw new ValidationError('invalid cursor', [
      { path: 'cursor', message: 'not a cursor from this list' },
    ]);
  return value;
}

/**
 * One page of a list in ascending `key` order. `fetch(after, limit)` returns up to `limit + 1`
 * items after `after` (`null` for the first page); the extra item only says a next page exists.
 */
export async function keysetPage<T>(
  kind: string,
  req: PageRequest,
  pattern: RegExp,
  keyOf: (item: T) => string,
  fetch: (after: string | null, limit: number) => Promise<readonly T[]>,
): Promise<Page<T>> {
  const limit = req.limit ?? DEFAULT_PAGE_LIMIT;
  const after = req.cursor === undefined ? null : decodeCursor(kind, req.cursor, pattern);
  const rows = await fetch(after, limit);
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor(kind, keyOf(last)) : null,
  };
}

const ID = /^[1-9]\d{0,14}$/;

/** {@link keysetPage} over numeric ids (`{ id: string }` items, oldest first). */
export function idPage<T extends { readonly id: string }>(
  req: PageRequest,
  fetch: (afterId: number, limit: number) => Promise<readonly T[]>,
  kind = 'id',
): Promise<Page<T>> {
  return keysetPage(
    kind,
    req,
    ID,
    (item) => item.id,
    (after, limit) => fetch(after === null ? 0 : Number(after), limit),
  );
}
