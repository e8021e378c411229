import { z } from 'zod';
import { title } from '../validation.js';

/** POST /api/webhooks (the URL is checked against the host policy in the service). */
export const createWebhookSchema = z.strictObject({
  name: title,
  url: z.string().min(1).max(2_000),
});
