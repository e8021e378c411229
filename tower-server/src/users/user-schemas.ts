import { z } from 'zod';
import { email, newPassword, role, userSchema } from '../auth/auth-schemas.js';
import { pageOf } from '../paging.js';
import { rowIdParam } from '../validation.js';

/** POST /api/users */
export const createUserSchema = z.strictObject({ email, password: newPassword, role });

/** PATCH /api/users/:userId */
export const updateUserSchema = z.strictObject({
  role: role.optional(),
  disabled: z.boolean().optional(),
});

/** `:userId` in a path. */
export const userParams = z.strictObject({ userId: rowIdParam('user') });

/** A page of users, oldest first. */
export const userPageSchema = pageOf(userSchema, 'UserPage');
