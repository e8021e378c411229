import { TOKEN_PATTERN } from '@tailslide/contracts';
import { z } from 'zod';
import { idString } from '../validation.js';

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
