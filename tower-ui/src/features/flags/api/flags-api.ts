import type { CircuitSettings, FlagDto } from '@tailslide/contracts';
import { api, seg } from '../../../lib/api-client.js';

/** Body of `POST /api/apps/:appId/flags`. */
export interface CreateFlagBody {
  readonly key: string;
  readonly title: string;
  readonly description?: string;
  readonly active?: boolean;
  readonly rolloutPercentage?: number;
  readonly whitelist?: readonly string[];
  readonly circuit?: Partial<CircuitSettings>;
  readonly alertWebhookIds?: readonly string[];
}

/** Body of `PATCH /api/apps/:appId/flags/:flagKey`. */
export interface UpdateFlagBody {
  readonly title?: string;
  readonly description?: string;
  readonly rolloutPercentage?: number;
  readonly whitelist?: readonly string[];
  readonly circuit?: Partial<CircuitSettings>;
  readonly alertWebhookIds?: readonly string[];
  /** The version the edit is based on; a stale one answers 409 `version_conflict`. */
  readonly version?: number;
}

const flagPath = (appId: string, flagKey: string) => `/apps/${seg(appId)}/flags/${seg(flagKey)}`;

export const listFlags = (appId: string, signal?: AbortSignal) =>
  api.get<FlagDto[]>(`/apps/${seg(appId)}/flags`, signal);
export const getFlag = (appId: string, flagKey: string, signal?: AbortSignal) =>
  api.get<FlagDto>(flagPath(appId, flagKey), signal);
export const createFlag = (appId: string, body: CreateFlagBody) =>
  api.post<FlagDto>(`/apps/${seg(appId)}/flags`, body);
export const updateFlag = (appId: string, flagKey: string, body: UpdateFlagBody) =>
  api.patch<FlagDto>(flagPath(appId, flagKey), body);
export const deleteFlag = (appId: string, flagKey: string) => api.delete(flagPath(appId, flagKey));
export const toggleFlag = (appId: string, flagKey: string, active: boolean) =>
  api.post<FlagDto>(`${flagPath(appId, flagKey)}/toggle`, { active });
