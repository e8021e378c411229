import { z } from 'zod';
import type { RouteDoc } from './http.js';

type Json = Record<string, unknown>;

const str = { type: 'string' };
const num = { type: 'number' };
const nullable = (s: Json): Json => ({ anyOf: [s, { type: 'null' }] });

const circuitSettings: Json = {
  type: 'object',
  required: [
    'enabled',
    'errorThresholdPercentage',
    'minimumRequests',
    'windowMs',
    'recoveryDelayMs',
    'recoveryProfile',
    'initialRecoveryPercentage',
    'recoveryIncrementPercentage',
    'recoveryStepMs',
    'slowCallMs',
  ],
  properties: {
    enabled: { type: 'boolean', default: true },
    errorThresholdPercentage: { ...num, default: 50 },
    minimumRequests: { type: 'integer', default: 20 },
    windowMs: { type: 'integer', default: 30_000 },
    recoveryDelayMs: { type: 'integer', default: 30_000 },
    recoveryProfile: { type: 'string', enum: ['linear', 'exponential'], default: 'linear' },
    initialRecoveryPercentage: { ...num, default: 10 },
    recoveryIncrementPercentage: { ...num, default: 10 },
    recoveryStepMs: { type: 'integer', default: 30_000 },
    slowCallMs: { ...nullable({ type: 'integer' }), default: null },
  },
};

/** Response shapes (mirrors of the DTOs in @tailslide/contracts/api.ts). */
const SCHEMAS: Record<string, Json> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: str, message: str, details: {} },
      },
    },
  },
  App: {
    type: 'object',
    required: ['id', 'title', 'flagCount', 'createdAt', 'updatedAt'],
    properties: {
      id: str,
      title: str,
      flagCount: { type: 'integer' },
      createdAt: str,
      updatedAt: str,
    },
  },
  CircuitSettings: circuitSettings,
  CircuitStatus: {
    type: 'object',
    required: ['state', 'recoveryPercentage', 'changedAt'],
    properties: {
      state: { type: 'string', enum: ['closed', 'open', 'recovering'] },
      recoveryPercentage: num,
      changedAt: str,
    },
  },
  Flag: {
    type: 'object',
    required: [
      'id',
      'appId',
      'key',
      'title',
      'description',
      'active',
      'rolloutPercentage',
      'whitelist',
      'circuit',
      'circuitStatus',
      'alertWebhookIds',
      'version',
      'createdAt',
      'updatedAt',
    ],
    properties: {
      id: str,
      appId: str,
      key: str,
      title: str,
      description: str,
      active: { type: 'boolean' },
      rolloutPercentage: num,
      whitelist: { type: 'array', items: str },
      circuit: { $ref: '#/components/schemas/CircuitSettings' },
      circuitStatus: { $ref: '#/components/schemas/CircuitStatus' },
      alertWebhookIds: { type: 'array', items: str },
      version: { type: 'integer' },
      createdAt: str,
      updatedAt: str,
    },
  },
  AuditEntry: {
    type: 'object',
    required: [
      'id',
      'actor',
      'action',
      'entityType',
      'entityId',
      'appId',
      'flagKey',
      'changes',
      'reason',
      'requestId',
      'at',
    ],
    properties: {
      id: str,
      actor: str,
      action: str,
      entityType: {
        type: 'string',
        enum: ['app', 'flag', 'sdk_key', 'webhook', 'user', 'api_token'],
      },
      entityId: str,
      appId: nullable(str),
      flagKey: nullable(str),
      changes: {
        type: 'array',
        description: 'Only what changed; long values shortened (an entry stays under 4 KiB)',
        items: {
          type: 'object',
          required: ['field', 'before', 'after'],
          properties: { field: str, before: {}, after: {} },
        },
      },
      reason: nullable(str),
      requestId: nullable(str),
      at: str,
    },
  },
  AuditPage: {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items: { $ref: '#/components/schemas/AuditEntry' } },
      nextCursor: nullable(str),
    },
  },
  TimeSeries: {
    type: 'object',
    required: ['window', 'resolutionMs', 'thresholdPercentage', 'points'],
    properties: {
      window: { type: 'string', enum: ['30s', '10m', '1h', '24h'] },
      resolutionMs: { type: 'integer' },
      thresholdPercentage: num,
      points: {
        type: 'array',
        items: {
          type: 'object',
          required: ['t', 'requests', 'failures', 'errorRatePercentage'],
          properties: {
            t: { type: 'integer' },
            requests: { type: 'integer' },
            failures: { type: 'integer' },
            errorRatePercentage: nullable(num),
          },
        },
      },
    },
  },
  SdkKey: {
    type: 'object',
    required: ['id', 'name', 'prefix', 'createdAt', 'revokedAt'],
    properties: { id: str, name: str, prefix: str, createdAt: str, revokedAt: nullable(str) },
  },
  CreatedSdkKey: {
    type: 'object',
    required: ['id', 'name', 'prefix', 'createdAt', 'key'],
    properties: {
      id: str,
      name: str,
      prefix: str,
      createdAt: str,
      key: { type: 'string', description: 'Shown once' },
    },
  },
  Webhook: {
    type: 'object',
    required: ['id', 'name', 'urlMasked', 'createdAt'],
    properties: { id: str, name: str, urlMasked: str, createdAt: str },
  },
  AlertDelivery: {
    type: 'object',
    required: ['id', 'webhookId', 'eventId', 'eventType', 'status', 'attempts'],
    properties: {
      id: str,
      webhookId: str,
      eventId: str,
      eventType: str,
      appId: str,
      flagKey: str,
      status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
      attempts: { type: 'integer' },
      lastStatusCode: nullable({ type: 'integer' }),
      lastError: nullable(str),
      nextAttemptAt: nullable(str),
      createdAt: str,
      completedAt: nullable(str),
    },
  },
};

/** Express `/a/:b` → OpenAPI `/a/{b}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function ref(schema: string): Json {
  if (schema.endsWith('[]'))
    return { type: 'array', items: { $ref: `#/components/schemas/${schema.slice(0, -2)}` } };
  return { $ref: `#/components/schemas/${schema}` };
}

function jsonSchema(s: z.ZodType, io: 'input' | 'output'): Json {
  return z.toJSONSchema(s, { io, unrepresentable: 'any' });
}

function queryParameters(s: z.ZodType): Json[] {
  const schema = jsonSchema(s, 'input');
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema: p,
  }));
}

/** Answers every API route can give besides its own: 413 for bodies, 503 when Postgres is down. */
function withCommonResponses(r: RouteDoc): RouteDoc['responses'] {
  if (!r.path.startsWith('/api/') || r.path === '/api/openapi.json') return r.responses;
  return {
    ...r.responses,
    ...(r.body
      ? { 413: { description: 'Body larger than 1 MB (payload_too_large)', schema: 'Error' } }
      : {}),
    503: { description: 'A dependency is unavailable (unavailable)', schema: 'Error' },
  };
}

/** Builds the OpenAPI 3.1 document from the routes as registered. */
export function buildOpenApiDocument(routes: readonly RouteDoc[]): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const path = toOpenApiPath(r.path);
    const params: Json[] = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (r.query) params.push(...queryParameters(r.query));
    if (r.ifMatch)
      params.push({
        name: 'If-Match',
        in: 'header',
        required: false,
        schema: { type: 'string' },
        description: 'Expected flag version, e.g. "3"',
      });
    params.push({
      name: 'X-Tailslide-User',
      in: 'header',
      required: false,
      schema: { type: 'string' },
      description: 'Actor recorded in the audit log (default dashboard)',
    });
    const op: Json = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: params,
      responses: Object.fromEntries(
        Object.entries(withCommonResponses(r)).map(([status, resp]) => [
          status,
          resp.schema
            ? {
                description: resp.description,
                content: { 'application/json': { schema: ref(resp.schema) } },
              }
            : { description: resp.description },
        ]),
      ),
    };
    if (r.body)
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(r.body, 'input') } },
      };
    (paths[path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tailslide Tower API',
      version: '0.1.0',
      description:
        'Feature flags with automatic circuit breaking. Errors are `{ error: { code, message, details? } }`: 400 validation_failed, 404 not_found, 409 conflict / version_conflict, 413 payload_too_large, 503 unavailable.',
    },
    paths,
    components: { schemas: SCHEMAS },
  };
}
