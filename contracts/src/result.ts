/** A value or a typed error, returned instead of throwing by every parser in this package. */
export type Result<T, E> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** Why a wire value was rejected. `path` points at the offending field (`circuit.windowMs`). */
export interface ParseError {
  /** `invalid_json`: not JSON; `unsupported_schema`: a newer schemaVersion; `invalid_field`: a field is missing or wrong. */
  readonly code: 'invalid_json' | 'unsupported_schema' | 'invalid_field';
  /** Dotted path of the offending field, empty for the whole value. */
  readonly path: string;
  /** Human-readable explanation. */
  readonly message: string;
}

/** @internal */
export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

/** @internal */
export function fail(
  code: ParseError['code'],
  path: string,
  message: string,
): Result<never, ParseError> {
  return { ok: false, error: { code, path, message } };
}

/** @internal Decode bytes or a string as JSON without letting an exception escape. */
export function decodeJson(input: unknown): Result<unknown, ParseError> {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return ok(input);
  try {
    const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
    return ok(JSON.parse(text) as unknown);
  } catch (err) {
    return fail('invalid_json', '', `not valid JSON: ${(err as Error).message}`);
  }
}

/** @internal */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
