import { TOKEN_PATTERN, type AuditEntryDto, type Page } from '@tailslide/contracts';
import { z } from 'zod';
import { idString, isoTime } from '../validation.js';

const time = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an ISO 8601 time' })
  .transform((s) => new Date(s));

/** Filters shared by every log endpoint. `action` may be a comma list or a `prefix.*` wildcard. */
export const logsQuerySchema = z.strictObject({
  action: z.string().min(1).max(500).optional(),
  actor: z.string().min(1).max(100).optional(),
  from: time.optional(),
  to: time.optional(),
  cursor: z.string().max(100).optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.int().min(1).max(200))
    .optional(),
});

/** GET /api/apps/:appId/logs */
export const appLogsQuerySchema = logsQuerySchema.extend({
  flagKey: z.string().regex(TOKEN_PATTERN).optional(),
});

/** GET /api/logs */
export const globalLogsQuerySchema = appLogsQuerySchema.extend({ appId: idString.optional() });

/** GET .../circuit/history */
export const pageQuerySchema = logsQuerySchema.pick({
  cursor: true,
  limit: true,
  from: true,
  to: true,
});

/** One audit-log row as the API answers it. */
export const auditEntrySchema = z
  .object({
    id: z.string(),
    actor: z.string(),
    action: z.string(),
    entityType: z.enum(['app', 'flag', 'sdk_key', 'webhook', 'user', 'api_token']),
    entityId: z.string(),
    appId: z.string().nullable(),
    flagKey: z.string().nullable(),
    changes: z
      .array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() }))
      .readonly()
      .meta({
        description: 'Only what changed; long values shortened (an entry stays under 4 KiB)',
      }),
    before: z.unknown().optional().meta({ deprecated: true }),
    after: z.unknown().optional().meta({ deprecated: true }),
    reason: z.string().nullable(),
    requestId: z.string().nullable(),
    at: isoTime,
  })
  .meta({ id: 'AuditEntry' }) satisfies z.ZodType<AuditEntryDto>;

/** A page of audit entries, newest first. */
export const auditPageSchema = z
  .object({ items: z.array(auditEntrySchema).readonly(), nextCursor: z.string().nullable() })
  .meta({ id: 'AuditPage' }) satisfies z.ZodType<Page<AuditEntryDto>>;
