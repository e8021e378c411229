import {
  MIN_PASSWORD_LENGTH,
  ROLES,
  type Role,
  type SessionDto,
  type UserDto,
} from '@tailslide/contracts';
import { z } from 'zod';
import { isoTime } from '../validation.js';

/** Longest password accepted (bounds the hashing work a request can ask for). */
export const MAX_PASSWORD_LENGTH = 1024;

/** A new password. */
export const newPassword = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH);

/** One of the roles. */
export const role = z.enum(ROLES as [Role, ...Role[]]);

/** An email address as a login name. */
export const email = z.string().trim().max(254).pipe(z.email());

/** POST /api/session (any string: a wrong email is just a failed login). */
export const loginSchema = z.strictObject({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
});

/** PUT /api/session/password */
export const changePasswordSchema = z.strictObject({
  currentPassword: z.string().min(1).max(MAX_PASSWORD_LENGTH),
  newPassword,
});

/** A user as the API answers it (never the password hash). */
export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role,
    disabled: z.boolean(),
    createdAt: isoTime,
    lastLoginAt: isoTime.nullable(),
  })
  .meta({ id: 'User' }) satisfies z.ZodType<UserDto>;

/** GET / POST /api/session */
export const sessionSchema = z
  .object({ user: userSchema })
  .meta({ id: 'Session' }) satisfies z.ZodType<SessionDto>;
