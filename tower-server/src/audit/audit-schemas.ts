import { TOKEN_PATTERN, type AuditEntryDto, type Page } from '@tailslide/contracts';
import { z } from 'zod';
import { idString, isoTime } from '../validation.js';

const ISO_TIME =
  'must be an ISO 8601 date or time between years 1 and 9999, e.g. 2026-01-31T12:00:00Z';

/** `YYYY-MM-DD` or an ISO 8601 date-time; a date that does not exist (Feb 30) is refused. */
const time = z
  .union([z.iso.date(), z.iso.datetime({ offset: true, local: true })], { error: ISO_TIME })
  .transform((s, ctx) => {
    const d = new Date(s);
    // Date rolls Feb 30 over to Mar 2: the calendar date must read back as written.
    if (Number.isNaN(d.getTime()) || !calendarDateExists(s)) {
      ctx.addIssue({ code: 'custom', message: ISO_TIME });
      return z.NEVER;
    }
    return d;
  });

function calendarDateExists(s: string): boolean {
  const [y, m, day] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
  // Offsets and local times may move the UTC date by one day; the day of month must still exist.
  const probe = new Date(Date.UTC(y, m - 1, day));
  return y >= 1 && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === day;
}

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
