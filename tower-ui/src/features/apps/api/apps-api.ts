import type { AppDto, Page } from '@tailslide/contracts';
import { api, fetchAllPages, pageQuery, seg } from '../../../lib/api-client.js';

/** One page of apps, oldest first. */
export const listApps = (cursor: string | null, signal?: AbortSignal, limit?: number) =>
  api.get<Page<AppDto>>(`/apps${pageQuery(cursor, limit)}`, signal);
/** Every app (the log's app filter). */
export const listAllApps = (signal?: AbortSignal) => fetchAllPages(listApps, signal);
export const getApp = (appId: string, signal?: AbortSignal) =>
  api.get<AppDto>(`/apps/${seg(appId)}`, signal);
export const createApp = (title: string) => api.post<AppDto>('/apps', { title });
export const renameApp = (appId: string, title: string) =>
  api.patch<AppDto>(`/apps/${seg(appId)}`, { title });
export const deleteApp = (appId: string) => api.delete(`/apps/${seg(appId)}`);
