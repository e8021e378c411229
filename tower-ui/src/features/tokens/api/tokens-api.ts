import type { ApiTokenDto, CreateApiTokenRequest, CreatedApiTokenDto } from '@tailslide/contracts';
import { api, seg } from '../../../lib/api-client.js';

export const listTokens = (signal?: AbortSignal) =>
  api.get<{ items: ApiTokenDto[] }>('/tokens', signal).then((p) => p.items);
export const createToken = (body: CreateApiTokenRequest) =>
  api.post<CreatedApiTokenDto>('/tokens', body);
export const revokeToken = (id: string) => api.delete(`/tokens/${seg(id)}`);
