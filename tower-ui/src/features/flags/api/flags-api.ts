import type {
  CreateFlagRequest,
  FlagDto,
  Page,
  ToggleFlagRequest,
  UpdateFlagRequest,
} from '@tailslide/contracts';
import { api, pageQuery, seg } from '../../../lib/api-client.js';

const flagPath = (appId: string, flagKey: string) => `/apps/${seg(appId)}/flags/${seg(flagKey)}`;

/** One page of an app's flags, by key. */
export const listFlags = (appId: string, cursor: string | null, signal?: AbortSignal) =>
  api.get<Page<FlagDto>>(`/apps/${seg(appId)}/flags${pageQuery(cursor)}`, signal);
export const getFlag = (appId: string, flagKey: string, signal?: AbortSignal) =>
  api.get<FlagDto>(flagPath(appId, flagKey), signal);
export const createFlag = (appId: string, body: CreateFlagRequest) =>
  api.post<FlagDto>(`/apps/${seg(appId)}/flags`, body);
export const updateFlag = (appId: string, flagKey: string, body: UpdateFlagRequest) =>
  api.patch<FlagDto>(flagPath(appId, flagKey), body);
export const deleteFlag = (appId: string, flagKey: string) => api.delete(flagPath(appId, flagKey));
/** Turns a flag on or off; `reason` (optional) goes to the audit log. */
export const toggleFlag = (appId: string, flagKey: string, active: boolean, reason = '') =>
  api.post<FlagDto>(`${flagPath(appId, flagKey)}/toggle`, {
    active,
    ...(reason.trim() ? { reason: reason.trim() } : {}),
  } satisfies ToggleFlagRequest);
