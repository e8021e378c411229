import type { WebhookDeliveryDto, WebhookDto } from '@tailslide/contracts';
import { z } from 'zod';
import { pageOf } from '../paging.js';
import { isoTime, rowIdParam, title } from '../validation.js';

/** POST /api/webhooks (the URL is checked against the host policy in the service). */
export const createWebhookSchema = z.strictObject({
  name: title,
  url: z.string().min(1).max(2_000),
});

/** `:id` of a webhook in a path. */
export const webhookParams = z.strictObject({ id: rowIdParam('webhook') });

/** A webhook as listed: only a masked URL leaves Tower. */
export const webhookSchema = z
  .object({ id: z.string(), name: z.string(), urlMasked: z.string(), createdAt: isoTime })
  .meta({ id: 'Webhook' }) satisfies z.ZodType<WebhookDto>;

/** A page of webhooks, oldest first. */
export const webhookPageSchema = pageOf(webhookSchema, 'WebhookPage');

/** One alert delivery to a webhook. */
export const webhookDeliverySchema = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    appId: z.string(),
    flagKey: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.int().min(0),
    lastStatusCode: z.int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: isoTime.nullable(),
    createdAt: isoTime,
    completedAt: isoTime.nullable(),
  })
  .meta({ id: 'AlertDelivery' }) satisfies z.ZodType<WebhookDeliveryDto>;
