import { MAX_PAGE_LIMIT, type ApiErrorBody, type Page } from '@tailslide/contracts';

/** An error answer from Tower: the server's `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Tower could not be reached (offline, proxy down, CORS, aborted by a timeout). */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

function isApiErrorBody(v: unknown): v is ApiErrorBody {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false;
  const e = v.error;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { code?: unknown }).code === 'string' &&
    typeof (e as { message?: unknown }).message === 'string'
  );
}

/** Maps a non-2xx response body to an {@link ApiError}, even when the body is not Tower's shape. */
export function toApiError(status: number, body: unknown, statusText = ''): ApiError {
  if (isApiErrorBody(body)) {
    return new ApiError(status, body.error.code, body.error.message, body.error.details);
  }
  const message =
    typeof body === 'string' && body.trim() !== '' && body.length < 300
      ? body.trim()
      : `Request failed: ${status} ${statusText}`.trim();
  return new ApiError(status, status >= 500 ? 'internal' : 'http_error', message);
}

/** A message fit for a person, whatever was thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError || err instanceof NetworkError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Builds a query string, dropping empty values. */
export function toQuery(
  params: Readonly<Record<string, string | number | null | undefined>>,
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
  /** A 401 is an ordinary answer here (login, session probe): do not signal the app. */
  readonly expectUnauthenticated?: boolean;
}

type UnauthenticatedListener = () => void;
const unauthenticatedListeners = new Set<UnauthenticatedListener>();

/**
 * Calls `listener` whenever Tower answers 401 (no session, or it expired or was revoked), so the
 * app can send the person to the login page. Returns a function that removes the listener.
 */
export function onUnauthenticated(listener: UnauthenticatedListener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

/** Calls Tower's REST API under `/api`. Resolves with the parsed JSON (or `undefined` on 204). */
export async function apiRequest<T>(
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...opts.headers,
  };
  const init: RequestInit = { method, headers };
  if (opts.signal) init.signal = opts.signal;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(`/api${path}`, init);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new NetworkError('Tower is unreachable. Check your connection and try again.', {
      cause: err,
    });
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = text;
  if (text !== '') {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = text;
    }
  }
  if (res.status === 401 && !opts.expectUnauthenticated) {
    for (const l of unauthenticatedListeners) l();
  }
  if (!res.ok) throw toApiError(res.status, body, res.statusText);
  return body as T;
}

/** Shorthands for {@link apiRequest}. */
export const api = {
  get: <T>(path: string, signal?: AbortSignal) =>
    apiRequest<T>('GET', path, signal ? { signal } : {}),
  post: <T>(path: string, body?: unknown) => apiRequest<T>('POST', path, { body: body ?? {} }),
  put: <T>(path: string, body: unknown) => apiRequest<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown) => apiRequest<T>('PATCH', path, { body }),
  delete: (path: string) => apiRequest<undefined>('DELETE', path),
};

/** Encodes one path segment (app ids and flag keys are tokens, but never trust that). */
export const seg = (s: string): string => encodeURIComponent(s);

/** The `?limit=&cursor=` of one page of a list (`cursor` null for the first page). */
export const pageQuery = (cursor: string | null, limit?: number): string =>
  toQuery({ cursor, limit });

/**
 * Every item of a paged list, for pickers that need the whole set (webhooks to alert, apps to
 * filter by). Walks pages of {@link MAX_PAGE_LIMIT}; such lists are short.
 */
export async function fetchAllPages<T>(
  fetchPage: (cursor: string | null, signal?: AbortSignal, limit?: number) => Promise<Page<T>>,
  signal?: AbortSignal,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await fetchPage(cursor, signal, MAX_PAGE_LIMIT);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}
