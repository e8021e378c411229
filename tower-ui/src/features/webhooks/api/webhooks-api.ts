import type { WebhookDeliveryDto, WebhookDto } from '@tailslide/contracts';
import { api, seg } from '../../../lib/api-client.js';

export const listWebhooks = (signal?: AbortSignal) => api.get<WebhookDto[]>('/webhooks', signal);
export const createWebhook = (name: string, url: string) =>
  api.post<WebhookDto>('/webhooks', { name, url });
export const deleteWebhook = (id: string) => api.delete(`/webhooks/${seg(id)}`);
export const listDeliveries = (id: string, signal?: AbortSignal) =>
  api.get<WebhookDeliveryDto[]>(`/webhooks/${seg(id)}/deliveries`, signal);
