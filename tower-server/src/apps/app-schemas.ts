import type { AppDto } from '@tailslide/contracts';
import { z } from 'zod';
import { pageOf } from '../paging.js';
import { isoTime, rowIdParam, title } from '../validation.js';

/** POST /api/apps */
export const createAppSchema = z.strictObject({ title });

/** PATCH /api/apps/:appId */
export const updateAppSchema = z.strictObject({ title });

/** `:appId` in a path. */
export const appParams = z.strictObject({ appId: rowIdParam('app') });

/** An app as the API answers it. */
export const appSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    flagCount: z.int().min(0),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'App' }) satisfies z.ZodType<AppDto>;

/** A page of apps, oldest first. */
export const appPageSchema = pageOf(appSchema, 'AppPage');
