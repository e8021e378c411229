import { z } from 'zod';
import { apiErrorSchema } from './errors.js';
import type { RouteDoc } from './http.js';

type Json = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';

/** Express `/a/:b` → OpenAPI `/a/{b}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Converts zod schemas to JSON Schema; every schema named with `.meta({ id })` becomes a `$ref`
 * into `components.schemas`, collected as it is met.
 */
class SchemaConverter {
  readonly components: Record<string, Json> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): Json {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
    const {
      $defs,
      $schema: _,
      ...rest
    } = JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', `"${COMPONENTS}`)) as Json & {
      $defs?: Record<string, Json>;
    };
    for (const [id, def] of Object.entries($defs ?? {})) this.components[id] ??= def;
    return rest;
  }

  /** One `in: path` or `in: query` parameter per property of an object schema. */
  parameters(schema: z.ZodType, where: 'path' | 'query'): Json[] {
    const json = this.convert(schema, 'input');
    const required = new Set((json.required ?? []) as string[]);
    return Object.entries((json.properties ?? {}) as Record<string, Json>).map(([name, s]) => ({
      name,
      in: where,
      required: where === 'path' || required.has(name),
      schema: s,
    }));
  }
}

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid request (validation_failed, invalid_json, invalid_path, bad_request)',
  401: 'No session or token (unauthenticated)',
  403: 'The role is too low (forbidden)',
  404: 'No such resource (not_found)',
  413: 'Body larger than the limit (payload_too_large)',
  415: 'Body not JSON, or an unsupported encoding (unsupported_media_type)',
  503: 'A dependency is unavailable (unavailable)',
};

/** The failures every route of its kind can give, then the route's own. */
function errorResponses(r: RouteDoc): RouteDoc['errors'] {
  const api = r.path.startsWith('/api/') && r.role !== 'public';
  const statuses = [
    ...(r.body || r.query ? [400] : []),
    ...(api ? [401, 403] : []),
    ...(r.params ? [404] : []),
    ...(r.body ? [413, 415] : []),
    ...(api ? [503] : []),
  ];
  return { ...Object.fromEntries(statuses.map((s) => [s, ERROR_DESCRIPTIONS[s]!])), ...r.errors };
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  204: 'No content',
};

function operationId(r: RouteDoc): string {
  const words = toOpenApiPath(r.path)
    .replace(/[{}]/g, '')
    .split(/[^A-Za-z0-9]+/);
  return r.method + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

function operation(r: RouteDoc, c: SchemaConverter): Json {
  const parameters: Json[] = [
    ...(r.params ? c.parameters(r.params, 'path') : []),
    ...(r.query ? c.parameters(r.query, 'query') : []),
  ];
  if (r.ifMatch)
    parameters.push({
      name: 'If-Match',
      in: 'header',
      required: false,
      schema: { type: 'string' },
      description: 'Expected flag version, e.g. "3"',
    });
  parameters.push({
    name: 'X-Tailslide-User',
    in: 'header',
    required: false,
    schema: { type: 'string' },
    description: 'Actor recorded in the audit log (default dashboard)',
  });
  const error = { 'application/json': { schema: c.convert(apiErrorSchema, 'output') } };
  const { status, description, contentType } = r;
  const schema = r.response ?? r.created;
  const ok = status ?? (r.created ? 201 : schema ? 200 : 204);
  const responses: Json = {
    [ok]: {
      description: description ?? STATUS_TEXT[ok] ?? 'OK',
      ...(schema
        ? { content: { 'application/json': { schema: c.convert(schema, 'output') } } }
        : contentType
          ? { content: { [contentType]: { schema: { type: 'string' } } } }
          : {}),
    },
  };
  for (const [code, e] of Object.entries(errorResponses(r) ?? {})) {
    responses[code] =
      typeof e === 'string'
        ? { description: e, content: error }
        : {
            description: e.description,
            content: { 'application/json': { schema: c.convert(e.schema, 'output') } },
          };
  }
  const op: Json = {
    summary: r.summary,
    tags: [r.tag],
    operationId: operationId(r),
    'x-tailslide-role': r.role,
    parameters,
    responses,
  };
  if (r.body)
    op.requestBody = {
      // A body every field of which is optional may be left out (DELETE with a version).
      required: !r.body.safeParse({}).success,
      content: { 'application/json': { schema: c.convert(r.body, 'input') } },
    };
  return op;
}

/** Builds the OpenAPI 3.1 document from the routes' own declarations. */
export function buildOpenApiDocument(routes: readonly RouteDoc[]) {
  const c = new SchemaConverter();
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) (paths[toOpenApiPath(r.path)] ??= {})[r.method] = operation(r, c);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tailslide Tower API',
      version: '0.1.0',
      description:
        'Feature flags with automatic circuit breaking. Errors are `{ error: { code, message, details? } }`. ' +
        '`x-tailslide-role` names the least role an operation needs (viewer < editor < admin).',
    },
    paths,
    components: { schemas: c.components },
  };
}
