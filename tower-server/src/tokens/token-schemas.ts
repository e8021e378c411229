import { API_TOKEN_PREFIX, type ApiTokenDto, type CreatedApiTokenDto } from '@tailslide/contracts';
import { z } from 'zod';
import { role } from '../auth/auth-schemas.js';
import { pageOf } from '../paging.js';
import { isoTime, rowIdParam } from '../validation.js';

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

/** An API token as listed (never its secret). */
export const apiTokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role,
    createdAt: isoTime,
    createdBy: z.string(),
    lastUsedAt: isoTime.nullable(),
    revokedAt: isoTime.nullable(),
  })
  .meta({ id: 'ApiToken' }) satisfies z.ZodType<ApiTokenDto>;

/** POST /api/tokens answer: the secret is shown this once. */
export const createdApiTokenSchema = z
  .object({
    token: apiTokenSchema,
    secret: z.string().startsWith(API_TOKEN_PREFIX).meta({ description: 'Shown once' }),
  })
  .meta({ id: 'CreatedApiToken' }) satisfies z.ZodType<CreatedApiTokenDto>;

/** A page of API tokens, oldest first. */
export const apiTokenPageSchema = pageOf(apiTokenSchema, 'ApiTokenPage');

/** `:tokenId` in a path. */
export const tokenParams = z.strictObject({ tokenId: rowIdParam('API token') });
