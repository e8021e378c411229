import { changeContext, param, type DocumentedRouter } from '../http.js';
import { parseInput } from '../validation.js';
import { createWebhookSchema } from './webhook-schemas.js';
import type { WebhookService } from './webhook-service.js';

/** /api/webhooks */
export function registerWebhookRoutes(r: DocumentedRouter, hooks: WebhookService): void {
  const tag = 'webhooks';
  const notFound = { description: 'No such webhook', schema: 'Error' };
  r.add(
    {
      method: 'get',
      path: '/api/webhooks',
      summary: 'List alert webhooks (URLs masked)',
      tag,
      responses: { 200: { description: 'Webhooks', schema: 'Webhook[]' } },
    },
    async (_req, res) => {
      res.json(await hooks.list());
    },
  );
  r.add(
    {
      method: 'post',
      path: '/api/webhooks',
      summary: "Add a Slack webhook (https on Slack's host, or an allowlisted host)",
      tag,
      body: createWebhookSchema,
      responses: {
        201: { description: 'Created', schema: 'Webhook' },
        400: { description: 'Invalid body or URL', schema: 'Error' },
      },
    },
    async (req, res) => {
      const body = parseInput(createWebhookSchema, req.body);
      res.status(201).json(await hooks.create(body.name, body.url, changeContext(req)));
    },
  );
  r.add(
    {
      method: 'delete',
      path: '/api/webhooks/:id',
      summary: 'Delete a webhook',
      tag,
      responses: { 204: { description: 'Deleted' }, 404: notFound },
    },
    async (req, res) => {
      await hooks.delete(param(req, 'id'), changeContext(req));
      res.status(204).end();
    },
  );
  r.add(
    {
      method: 'get',
      path: '/api/webhooks/:id/deliveries',
      summary: "A webhook's delivery outcomes, newest first",
      tag,
      responses: { 200: { description: 'Deliveries', schema: 'AlertDelivery[]' }, 404: notFound },
    },
    async (req, res) => {
      res.json(await hooks.deliveries(param(req, 'id')));
    },
  );
}
