import { z } from 'zod';
import { changeContext, type DocumentedRouter } from '../http.js';
import {
  createWebhookSchema,
  webhookDeliverySchema,
  webhookPageSchema,
  webhookParams,
  webhookSchema,
} from './webhook-schemas.js';
import type { WebhookService } from './webhook-service.js';

/** /api/webhooks */
export function registerWebhookRoutes(router: DocumentedRouter, hooks: WebhookService): void {
  const r = router.tagged('webhooks');
  r.collection('/api/webhooks', {
    list: {
      summary: 'List alert webhooks, oldest first (URLs masked)',
      role: 'viewer',
      page: webhookPageSchema,
      handler: (page) => hooks.list(page),
    },
    create: {
      summary: "Add a Slack webhook (https on Slack's host, or an allowlisted host)",
      role: 'admin',
      body: createWebhookSchema,
      created: webhookSchema,
      handler: (body, ctx) => hooks.create(body.name, body.url, ctx),
    },
  });
  r.delete('/api/webhooks/:id', 'Delete a webhook', {
    role: 'admin',
    params: webhookParams,
    handler: ({ params, req }) => hooks.delete(params.id, changeContext(req)),
  });
  r.get('/api/webhooks/:id/deliveries', "A webhook's delivery outcomes, newest first", {
    role: 'viewer',
    params: webhookParams,
    response: z.array(webhookDeliverySchema),
    handler: ({ params }) => hooks.deliveries(params.id),
  });
}
