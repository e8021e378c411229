import type {
  ApiTokenDto,
  CreateApiTokenRequest,
  CreatedApiTokenDto,
  Page,
} from '@tailslide/contracts';
import { api, pageQuery, seg } from '../../../lib/api-client.js';

/** One page of API tokens, oldest first. */
export const listTokens = (cursor: string | null, signal?: AbortSignal, limit?: number) =>
  api.get<Page<ApiTokenDto>>(`/tokens${pageQuery(cursor, limit)}`, signal);
export const createToken = (body: CreateApiTokenRequest) =>
  api.post<CreatedApiTokenDto>('/tokens', body);
export const revokeToken = (id: string) => api.delete(`/tokens/${seg(id)}`);
