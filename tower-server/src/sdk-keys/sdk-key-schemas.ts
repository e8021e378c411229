import type { CreatedSdkKeyDto, SdkKeyDto } from '@tailslide/contracts';
import { z } from 'zod';
import { isoTime, rowIdParam, title } from '../validation.js';

/** POST /api/sdk-keys */
export const createSdkKeySchema = z.strictObject({ name: title });

/** `:id` of an SDK key in a path. */
export const sdkKeyParams = z.strictObject({ id: rowIdParam('SDK key') });

/** An SDK key as listed (never the key itself). */
export const sdkKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    createdAt: isoTime,
    revokedAt: isoTime.nullable(),
  })
  .meta({ id: 'SdkKey' }) satisfies z.ZodType<SdkKeyDto>;

/** A new SDK key: the plaintext `key` is in this answer only. */
export const createdSdkKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    createdAt: isoTime,
    key: z.string().meta({ description: 'Shown once' }),
  })
  .meta({ id: 'CreatedSdkKey' }) satisfies z.ZodType<CreatedSdkKeyDto>;
