import type { CreatedSdkKeyDto, Page, SdkKeyDto } from '@tailslide/contracts';
import { api, pageQuery, seg } from '../../../lib/api-client.js';

/** One page of SDK keys, oldest first. */
export const listSdkKeys = (cursor: string | null, signal?: AbortSignal, limit?: number) =>
  api.get<Page<SdkKeyDto>>(`/sdk-keys${pageQuery(cursor, limit)}`, signal);
/** Creates an app's key; the answer holds the key itself, once. */
export const createSdkKey = (name: string, appId: string) =>
  api.post<CreatedSdkKeyDto>('/sdk-keys', { name, appId });
export const revokeSdkKey = (id: string) => api.delete(`/sdk-keys/${seg(id)}`);
