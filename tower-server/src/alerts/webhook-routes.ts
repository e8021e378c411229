import { z } from 'zod';
import { changeContext, type DocumentedRouter } from '../http.js';
import { pageQuerySchema } from '../paging.js';
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
  r.get('/api/webhooks', 'List alert webhooks, oldest first (URLs masked)', {
    role: 'viewer',
    query: pageQuerySchema,
    response: webhookPageSchema,
    handler: ({ query }) => hooks.list(query),
  });
  r.post('/api/webhooks', "Add a Slack webhook (https on Slack's host, or an allowlisted host)", {
    role: 'admin',
    body: createWebhookSchema,
    created: webhookSchema,
    handler: ({ body, req }) => hooks.create(body.name, body.url, changeContext(req)),
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
