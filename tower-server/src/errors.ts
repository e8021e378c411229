import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ApiErrorBody } from '@tailslide/contracts';
import { z } from 'zod';

/** Base of every error a service throws on purpose; the error middleware maps it to a response. */
export class TowerError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 400: the request does not match its schema. */
export class ValidationError extends TowerError {
  constructor(message: string, details?: unknown) {
    super(400, 'validation_failed', message, details);
  }
}

/** 404: the addressed resource does not exist. */
export class NotFoundError extends TowerError {
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

/** 409: the change conflicts with existing state (e.g. a duplicate key). */
export class ConflictError extends TowerError {
  constructor(message: string, details?: unknown) {
    super(409, 'conflict', message, details);
  }
}

/** 409: optimistic concurrency failed; the client holds a stale version. */
export class VersionConflictError extends TowerError {
  constructor(expected: number, actual: number) {
    super(
      409,
      'version_conflict',
      `version ${expected} is stale; the current version is ${actual}`,
      {
        expectedVersion: expected,
        currentVersion: actual,
      },
    );
  }
}

/** 503: a dependency (Postgres, Redis) is unavailable. */
export class UnavailableError extends TowerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(503, 'unavailable', message, undefined, options);
  }
}

// Errors pg raises when it cannot reach or lost the server: connection refused/reset, timeouts,
// and the SQLSTATE classes 08 (connection exception) and 57P (operator intervention / shutdown).
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
]);

/** True when `err` means Postgres is unreachable rather than that the query was wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_NODE_CODES.has(code)) return true;
    if (code.startsWith('08') || code.startsWith('57P')) return true;
  }
  const msg = err.message;
  if (
    /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error/i.test(
      msg,
    )
  ) {
    return true;
  }
  if (err instanceof AggregateError) return err.errors.some(isDatabaseUnavailable);
  return err.cause !== undefined && isDatabaseUnavailable(err.cause);
}

/** The Postgres error code of `err`, if it is one. */
export function pgErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** 415: the body is not JSON, or uses an encoding or charset Tower does not read. */
export class UnsupportedMediaTypeError extends TowerError {
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
  }
}

/** What Express, body-parser and http-errors put on the errors they raise. */
interface HttpError {
  type?: string;
  status?: number;
  statusCode?: number;
  message?: string;
}

function toTowerError(err: unknown): TowerError | null {
  if (err instanceof TowerError) return err;
  const bp = err as HttpError;
  if (bp && typeof bp === 'object') {
    if (bp.type === 'entity.too.large')
      return new TowerError(413, 'payload_too_large', 'request body is too large');
    if (bp.type === 'entity.parse.failed')
      return new TowerError(400, 'invalid_json', 'request body is not valid JSON');
    if (bp.type === 'encoding.unsupported' || bp.type === 'charset.unsupported') {
      return new UnsupportedMediaTypeError(
        `unsupported request encoding: ${bp.message ?? 'unknown'} (send UTF-8 JSON, optionally gzip, deflate or br)`,
      );
    }
    const status = bp.status ?? bp.statusCode;
    // Express marks a path segment that is not valid percent-encoded UTF-8 with a 400 URIError.
    if (err instanceof URIError && status === 400)
      return new TowerError(400, 'invalid_path', 'the path is not valid percent-encoded UTF-8');
    // Any other client error raised while reading the request (e.g. a body that does not
    // decompress): its status stands, its message is about the request, never Tower's state.
    if (typeof status === 'number' && status >= 400 && status < 500)
      return new TowerError(
        status,
        'bad_request',
        `the request could not be read: ${bp.message ?? 'malformed'}`,
      );
  }
  // Behind the edge checks: text Postgres cannot store (NUL, 22021; untranslatable, 22P05) is
  // still the client's input, and the transaction that met it wrote nothing.
  const pgCode = pgErrorCode(err);
  if (pgCode === '22021' || pgCode === '22P05')
    return new ValidationError('the request holds characters that cannot be stored (e.g. NUL)');
  if (isDatabaseUnavailable(err))
    return new UnavailableError('the database is unavailable', { cause: err });
  return null;
}

/** The body of every error answer. */
export const apiErrorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .meta({ id: 'Error' }) satisfies z.ZodType<ApiErrorBody>;

/** The body of an error response. */
export function errorBody(code: string, message: string, details?: unknown): ApiErrorBody {
  return details === undefined
    ? { error: { code, message } }
    : { error: { code, message, details } };
}

/** The one error middleware: typed errors become `{ error: { code, message, details } }`; 5xx internals are hidden. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const known = toTowerError(err);
    const log = (req as { log?: Logger }).log ?? logger;
    if (known && known.statusCode < 500) {
      res.status(known.statusCode).json(errorBody(known.code, known.message, known.details));
      return;
    }
    if (known) {
      log.warn({ err }, known.message);
      res.status(known.statusCode).json(errorBody(known.code, known.message));
      return;
    }
    log.error({ err }, 'unhandled error');
    res.status(500).json(errorBody('internal', 'internal server error'));
  };
}
