import { TOKEN_PATTERN } from '@tailslide/contracts';
import { z } from 'zod';
import { NotFoundError, ValidationError } from './errors.js';

const ROW_ID = /^[1-9]\d{0,14}$/;

/** Parses `input` with `schema` or throws a 400 listing every failing field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what = 'request body',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => ({
    path: i.path.map(String).join('.'),
    message: i.message,
  }));
  const first = details[0];
  throw new ValidationError(
    first
      ? `invalid ${what}: ${first.path ? `${first.path}: ` : ''}${first.message}`
      : `invalid ${what}`,
    details,
  );
}

/** Parses a numeric id from a path segment; anything else cannot name a row, so it is a 404. */
export function parseId(raw: string | undefined, what: string): number {
  if (raw === undefined || !ROW_ID.test(raw)) throw new NotFoundError(what);
  return Number(raw);
}

/** A percentage 0–100 with at most `decimals` decimals (what the column stores exactly). */
export function percentage(decimals: number) {
  const step = 10 ** -decimals;
  return z
    .number()
    .min(0)
    .max(100)
    .refine((v) => Math.abs(v / step - Math.round(v / step)) < 1e-6, {
      message: `must be a multiple of ${step}`,
    });
}

/** A string of digits naming a row id. */
export const idString = z.string().regex(ROW_ID, 'must be an id');

/** A path parameter naming a row id; anything else cannot name a row, so it reads `<what> not found`. */
export function rowIdParam(what: string) {
  return z.string().regex(ROW_ID, `${what} not found`);
}

/** A path parameter naming a flag key; anything else reads `flag not found`. */
export const flagKeyParam = z.string().regex(TOKEN_PATTERN, 'flag not found');

/** A time in a response: ISO 8601 UTC, as `Date#toISOString()` writes it. */
export const isoTime = z.iso.datetime();

/** A non-empty human title. */
export const title = z.string().trim().min(1).max(200);

/** Parses the optimistic-concurrency version from `If-Match` (`"3"`, `W/"3"` or `3`). */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '' || header.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  if (!m) throw new ValidationError('If-Match must be a flag version, e.g. "3"');
  return Number(m[1]);
}
