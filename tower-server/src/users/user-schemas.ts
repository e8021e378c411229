import { z } from 'zod';
import { email, newPassword, role } from '../auth/auth-schemas.js';

/** POST /api/users */
export const createUserSchema = z.strictObject({ email, password: newPassword, role });

/** PATCH /api/users/:userId */
export const updateUserSchema = z.strictObject({
  role: role.optional(),
  disabled: z.boolean().optional(),
});
