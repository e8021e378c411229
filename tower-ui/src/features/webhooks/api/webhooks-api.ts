import type { Page, WebhookDeliveryDto, WebhookDto } from '@tailslide/contracts';
import { api, fetchAllPages, pageQuery, seg } from '../../../lib/api-client.js';

/** One page of webhooks, oldest first. */
export const listWebhooks = (cursor: string | null, signal?: AbortSignal, limit?: number) =>
  api.get<Page<WebhookDto>>(`/webhooks${pageQuery(cursor, limit)}`, signal);
/** Every webhook (a flag's alert picker). */
export const listAllWebhooks = (signal?: AbortSignal) => fetchAllPages(listWebhooks, signal);
export const createWebhook = (name: string, url: string) =>
  api.post<WebhookDto>('/webhooks', { name, url });
export const deleteWebhook = (id: string) => api.delete(`/webhooks/${seg(id)}`);
export const listDeliveries = (id: string, signal?: AbortSignal) =>
  api.get<WebhookDeliveryDto[]>(`/webhooks/${seg(id)}/deliveries`, signal);
