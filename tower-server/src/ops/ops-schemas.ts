import { z } from 'zod';

/** GET /healthz */
export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

/** GET /readyz: one entry per dependency checked. */
export const readinessSchema = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional() })),
  })
  .meta({ id: 'Readiness' });

/** GET /api/openapi.json (described by the OpenAPI 3.1 specification itself). */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});
