import { api, seg } from '../../../lib/api-client.js';

/** An SDK key as listed (the secret is never listed). */
export interface SdkKeyDto {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** Answer of creating a key: the plaintext `key` is shown once and never again. */
export interface CreatedSdkKeyDto {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly key: string;
}

export const listSdkKeys = (signal?: AbortSignal) => api.get<SdkKeyDto[]>('/sdk-keys', signal);
export const createSdkKey = (name: string) => api.post<CreatedSdkKeyDto>('/sdk-keys', { name });
export const revokeSdkKey = (id: string) => api.delete(`/sdk-keys/${seg(id)}`);
