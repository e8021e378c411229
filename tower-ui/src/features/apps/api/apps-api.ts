import type { AppDto } from '@tailslide/contracts';
import { api, seg } from '../../../lib/api-client.js';

export const listApps = (signal?: AbortSignal) => api.get<AppDto[]>('/apps', signal);
export const getApp = (appId: string, signal?: AbortSignal) =>
  api.get<AppDto>(`/apps/${seg(appId)}`, signal);
export const createApp = (title: string) => api.post<AppDto>('/apps', { title });
export const renameApp = (appId: string, title: string) =>
  api.patch<AppDto>(`/apps/${seg(appId)}`, { title });
export const deleteApp = (appId: string) => api.delete(`/apps/${seg(appId)}`);
