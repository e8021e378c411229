import type { CreatedSdkKeyDto, SdkKeyDto } from '@tailslide/contracts';
import { z } from 'zod';
import { pageOf, pageQuerySchema } from '../paging.js';
import { idString, isoTime, rowIdParam, title } from '../validation.js';

/** POST /api/sdk-keys: a key names its app. */
export const createSdkKeySchema = z.strictObject({
  name: title,
  appId: idString.meta({ description: 'The app whose flags the key reads' }),
});

/** GET /api/sdk-keys: a page, optionally of one app's keys. */
export const sdkKeyQuerySchema = pageQuerySchema.extend({
  appId: idString.optional(),
});

/** `:id` of an SDK key in a path. */
export const sdkKeyParams = z.strictObject({ id: rowIdParam('SDK key') });

/** An SDK key as listed (never the key itself). */
export const sdkKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    appId: z.string().nullable(),
    prefix: z.string(),
    createdAt: isoTime,
    revokedAt: isoTime.nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: 'SdkKey' }) satisfies z.ZodType<SdkKeyDto>;

/** A page of SDK keys. */
export const sdkKeyPageSchema = pageOf(sdkKeySchema, 'SdkKeyPage');

/** A new SDK key: the plaintext `key` is in this answer only. */
export const createdSdkKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    appId: z.string(),
    prefix: z.string(),
    createdAt: isoTime,
    key: z.string().meta({ description: 'Shown once: pass as new FlagManager({ sdkKey })' }),
  })
  .meta({ id: 'CreatedSdkKey' }) satisfies z.ZodType<CreatedSdkKeyDto>;
