import type { CreatedSdkKeyDto, SdkKeyDto } from '@tailslide/contracts';
import { api, seg } from '../../../lib/api-client.js';

export const listSdkKeys = (signal?: AbortSignal) => api.get<SdkKeyDto[]>('/sdk-keys', signal);
export const createSdkKey = (name: string) => api.post<CreatedSdkKeyDto>('/sdk-keys', { name });
export const revokeSdkKey = (id: string) => api.delete(`/sdk-keys/${seg(id)}`);
