import { api, seg } from '../../../lib/api-client.js';

/** A webhook as listed: its URL is masked (it may carry a secret token). */
export interface WebhookDto {
  readonly id: string;
  readonly name: string;
  readonly urlMasked: string;
  readonly createdAt: string;
}

/** One alert delivery to a webhook (retried with backoff until delivered or given up). */
export interface WebhookDeliveryDto {
  readonly id: string;
  readonly webhookId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly appId: string;
  readonly flagKey: string;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
}

export const listWebhooks = (signal?: AbortSignal) => api.get<WebhookDto[]>('/webhooks', signal);
export const createWebhook = (name: string, url: string) =>
  api.post<WebhookDto>('/webhooks', { name, url });
export const deleteWebhook = (id: string) => api.delete(`/webhooks/${seg(id)}`);
export const listDeliveries = (id: string, signal?: AbortSignal) =>
  api.get<WebhookDeliveryDto[]>(`/webhooks/${seg(id)}/deliveries`, signal);
