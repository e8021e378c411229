import { z } from 'zod';
import { role } from '../auth/auth-schemas.js';

/** POST /api/tokens */
export const createTokenSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[\w .:@-]+$/, 'letters, digits, spaces and . _ : @ - only'),
  role,
});
