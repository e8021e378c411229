import { api, seg } from '../../../lib/api-client.js';

/** A webhook as listed: its URL is masked (it may carry a secret token). */
export interface WebhookDto {
  readonly id: string;
  readonly name: string;
  readonly urlMasked: string;
  readonly createdAt: string;
}

/** One delivery attempt; Tower's shape is open, so every field is optional here. */
export interface WebhookDeliveryDto {
  readonly id?: string;
  readonly event?: string;
  readonly eventType?: string;
  readonly status?: string;
  readonly statusCode?: number | null;
  readonly ok?: boolean;
  readonly error?: string | null;
  readonly attempts?: number;
  readonly at?: string;
  readonly createdAt?: string;
  readonly deliveredAt?: string | null;
}

export const listWebhooks = (signal?: AbortSignal) => api.get<WebhookDto[]>('/webhooks', signal);
export const createWebhook = (name: string, url: string) =>
  api.post<WebhookDto>('/webhooks', { name, url });
export const deleteWebhook = (id: string) => api.delete(`/webhooks/${seg(id)}`);
export const listDeliveries = (id: string, signal?: AbortSignal) =>
  api.get<WebhookDeliveryDto[] | { items: WebhookDeliveryDto[] }>(
    `/webhooks/${seg(id)}/deliveries`,
    signal,
  );
