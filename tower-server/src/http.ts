import express, { type Request, type RequestHandler, type Router } from 'express';
import type { z } from 'zod';
import type { ChangeContext } from './audit/audit-store.js';
import { principalOf } from './auth/principal.js';
import { UnauthenticatedError } from './errors.js';

/** HTTP methods Tower serves. */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** OpenAPI facts about one route, declared next to its handler. */
export interface RouteDoc {
  readonly method: HttpMethod;
  /** Express path, e.g. `/api/apps/:appId`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  /** Status → description and optional `#/components/schemas/<name>` (or `<name>[]`). */
  readonly responses: Readonly<
    Record<string, { readonly description: string; readonly schema?: string }>
  >;
  /** Accepts `If-Match`. */
  readonly ifMatch?: boolean;
}

/** An Express router that also records the OpenAPI facts of each route it registers. */
export class DocumentedRouter {
  readonly router: Router = express.Router();
  readonly docs: RouteDoc[] = [];

  add(doc: RouteDoc, handler: RequestHandler): void {
    this.docs.push(doc);
    this.router[doc.method](doc.path, handler);
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

/** A route parameter (Express 5 types them as string | string[]). */
export function param(req: Request, name: string): string {
  const v = (req.params as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v.join('/') : (v ?? '');
}
