import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Role } from '@tailslide/contracts';
import type { z } from 'zod';
import type { ChangeContext } from './audit/audit-service.js';
import { principalOf } from './auth/principal.js';
import {
  TowerError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors.js';
import { pageQuerySchema, type PageRequest } from './paging.js';
import { parseInput } from './validation.js';

/** HTTP methods Tower serves. */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The least role a route needs: `public` needs nobody; then `viewer` < `editor` < `admin`. */
export type RouteRole = 'public' | Role;

/**
 * Lets `req` call a route that needs `role`, or throws a {@link TowerError} (401 / 403) to refuse.
 * Runs before any input is read, so an anonymous caller learns nothing about the route's schema.
 */
export type Authorize = (req: Request, role: RouteRole) => void | Promise<void>;

/** The default {@link Authorize}: everyone may call everything. */
export const allowAll: Authorize = () => undefined;

type Parsed<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

/** What a handler receives: the parsed path parameters, query and body, plus the raw exchange. */
export interface RouteInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly req: Request;
  readonly res: Response;
}

/** A failure a route documents beyond the common ones (400, 401, 403, 404, 413, 415, 503). */
export type RouteError = string | { readonly description: string; readonly schema: z.ZodType };

/** What a route declares besides its method, path and summary, and its handler. */
export interface RouteSpec<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
  R extends z.ZodType | undefined,
> {
  readonly role: RouteRole;
  /** Path parameters; a value that does not match cannot name a resource, so it is a 404. */
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /**
   * The JSON body of the success answer. Without it the answer has no JSON body: 204, or the
   * handler writes it itself (e.g. `/metrics`, with `contentType`).
   */
  readonly response?: R;
  /** Shorthand for a `response` answered with 201 Created. */
  readonly created?: R;
  /** Success status. @default 201 with `created`, 200 with `response`, 204 without either */
  readonly status?: number;
  readonly description?: string;
  /** Content type of a body the handler writes itself. */
  readonly contentType?: string;
  readonly errors?: Readonly<Record<number, RouteError>>;
  /** Accepts `If-Match`. */
  readonly ifMatch?: boolean;
  /**
   * Returns the body to send: the type system checks it against `response`, the tests check the
   * answers against the OpenAPI document. A handler may choose another status with `res.status()`.
   */
  readonly handler: (
    input: RouteInput<Parsed<P>, Parsed<Q>, Parsed<B>>,
  ) => Promise<Reply<R>> | Reply<R>;
}

type Reply<R> = R extends z.ZodType ? z.input<R> : void;

type AnySchema = z.ZodType | undefined;

/** The contract of one route, without its handler: what the OpenAPI document is built from. */
export interface RouteDoc extends Omit<
  RouteSpec<AnySchema, AnySchema, AnySchema, AnySchema>,
  'handler'
> {
  readonly method: HttpMethod;
  /** Express path, e.g. `/api/apps/:appId`; every `:name` needs an entry in `params`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
}

const PATH_PARAM = /:([A-Za-z0-9_]+)/g;

/** Names of the `:params` in an Express path. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(PATH_PARAM)].map((m) => m[1]!);
}

/**
 * Where a NUL character sits in a parsed body or query (keys included), or `null`. Postgres text
 * cannot hold NUL (SQLSTATE 22021), so it is refused at the edge instead of failing the write.
 */
export function findNul(value: unknown, path: string[] = []): string[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = findNul(v, [...path, String(i)]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) return [...path, k];
      const found = findNul(v, [...path, k]);
      if (found) return found;
    }
  }
  return null;
}

function rejectNul(value: unknown, what: string): void {
  const at = findNul(value);
  if (!at) return;
  const path = at.join('.');
  throw new ValidationError(
    `invalid ${what}: ${path ? `${path}: ` : ''}must not contain NUL characters`,
    [{ path, message: 'must not contain NUL characters' }],
  );
}

/** True when the request carries a body (RFC 9112: a Transfer-Encoding or a non-zero length). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function readBody(req: Request, schema: z.ZodType): unknown {
  // express.json() parsed it only if it is JSON; any other body would be silently ignored.
  if (hasBody(req) && !req.is('application/json'))
    throw new UnsupportedMediaTypeError(
      `the body must be application/json (got ${req.get('content-type') ?? 'no Content-Type'})`,
    );
  const body: unknown = req.body ?? {};
  rejectNul(body, 'request body');
  // No body reads as `{}`: the schema names what is missing.
  return parseInput(schema, body);
}

function readQuery(req: Request, schema: z.ZodType): unknown {
  rejectNul(req.query, 'query');
  return parseInput(schema, req.query, 'query');
}

function parsePathParams(schema: z.ZodType, raw: unknown): unknown {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const message = result.error.issues[0]?.message ?? 'not found';
  throw new TowerError(404, 'not_found', message);
}

/**
 * An Express router whose routes declare their contract once: the router authorizes the caller,
 * validates params, query and body from the declaration, hands the parsed values to the handler
 * and sends what it returns; the same declarations build `/api/openapi.json`.
 */
export class DocumentedRouter {
  readonly router: Router = express.Router();
  readonly docs: RouteDoc[] = [];
  readonly #authorize: Authorize;

  constructor(authorize: Authorize = allowAll) {
    this.#authorize = authorize;
  }

  /** The routes of one feature, grouped under an OpenAPI tag. */
  tagged(tag: string): RouteGroup {
    return new RouteGroup(this, tag);
  }

  add<P extends AnySchema, Q extends AnySchema, B extends AnySchema, R extends AnySchema>(
    doc: Omit<RouteDoc, keyof RouteSpec<P, Q, B, R>>,
    spec: RouteSpec<P, Q, B, R>,
  ): void {
    const { handler, ...contract } = spec;
    const names = pathParams(doc.path);
    if (names.length > 0 && !spec.params)
      throw new Error(`${doc.method} ${doc.path}: declare params for ${names.join(', ')}`);
    this.docs.push({ ...doc, ...contract });
    const schema = spec.response ?? spec.created;
    const status = spec.status ?? (spec.created ? 201 : schema ? 200 : 204);
    const authorize = this.#authorize;
    this.router[doc.method](
      doc.path,
      async (req: Request, res: Response, next: NextFunction): Promise<void> => {
        try {
          await authorize(req, spec.role);
          const input = {
            params: spec.params ? parsePathParams(spec.params, req.params) : {},
            query: spec.query ? readQuery(req, spec.query) : {},
            body: spec.body ? readBody(req, spec.body) : {},
            req,
            res,
          } as RouteInput<Parsed<P>, Parsed<Q>, Parsed<B>>;
          const out = await handler(input);
          if (res.headersSent) return;
          if (status !== 200) res.status(status);
          if (schema) res.json(out);
          else res.end();
        } catch (err) {
          next(err);
        }
      },
    );
  }
}

/**
 * The two routes of a collection at one path: `GET` answers a page of it (`?limit=&cursor=`),
 * `POST` creates one item, audited as the caller. What differs between collections is named here;
 * the rest (page query, 201, who the change is by) is the same for all of them.
 */
export interface CollectionSpec<Pg extends z.ZodType, B extends z.ZodType, C extends z.ZodType> {
  readonly list: {
    readonly summary: string;
    readonly role: RouteRole;
    /** A `pageOf(item, id)` schema. */
    readonly page: Pg;
    readonly handler: (page: PageRequest) => Promise<Reply<Pg>>;
  };
  readonly create: {
    readonly summary: string;
    readonly role: RouteRole;
    readonly body: B;
    readonly created: C;
    readonly errors?: Readonly<Record<number, RouteError>>;
    readonly handler: (body: Parsed<B>, ctx: ChangeContext) => Promise<Reply<C>>;
  };
}

/** Declares routes of one tag: `r.get(path, summary, { role, params, query, body, response, handler })`. */
export class RouteGroup {
  constructor(
    readonly router: DocumentedRouter,
    readonly tag: string,
  ) {}

  #add(method: HttpMethod) {
    return <
      P extends AnySchema = undefined,
      Q extends AnySchema = undefined,
      B extends AnySchema = undefined,
      R extends AnySchema = undefined,
    >(
      path: string,
      summary: string,
      spec: RouteSpec<P, Q, B, R>,
    ): void => {
      this.router.add({ method, path, summary, tag: this.tag }, spec);
    };
  }

  readonly get = this.#add('get');
  readonly post = this.#add('post');
  readonly put = this.#add('put');
  readonly patch = this.#add('patch');
  readonly delete = this.#add('delete');

  /** `GET path` (a page) and `POST path` (create) of a collection: see {@link CollectionSpec}. */
  collection<Pg extends z.ZodType, B extends z.ZodType, C extends z.ZodType>(
    path: string,
    { list, create }: CollectionSpec<Pg, B, C>,
  ): void {
    this.get(path, list.summary, {
      role: list.role,
      query: pageQuerySchema,
      response: list.page,
      handler: ({ query }) => list.handler(query),
    });
    this.post(path, create.summary, {
      role: create.role,
      body: create.body,
      created: create.created,
      ...(create.errors ? { errors: create.errors } : {}),
      handler: ({ body, req }) => create.handler(body, changeContext(req)),
    });
  }
}

/**
 * Who makes a request (the authenticated user's email or `token:<name>`, never a header) and
 * Tower's own id of it, for the audit log.
 */
export function changeContext(req: Request, reason?: string | null): ChangeContext {
  const p = principalOf(req);
  if (!p) throw new UnauthenticatedError();
  const id = (req as { id?: unknown }).id;
  return { actor: p.actor, requestId: typeof id === 'string' ? id : null, reason: reason ?? null };
}
