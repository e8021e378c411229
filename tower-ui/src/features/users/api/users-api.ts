import type { CreateUserRequest, UpdateUserRequest, UserDto } from '@tailslide/contracts';
import { api, seg } from '../../../lib/api-client.js';

export const listUsers = (signal?: AbortSignal) =>
  api.get<{ items: UserDto[] }>('/users', signal).then((p) => p.items);
export const createUser = (body: CreateUserRequest) => api.post<UserDto>('/users', body);
export const updateUser = (id: string, body: UpdateUserRequest) =>
  api.patch<UserDto>(`/users/${seg(id)}`, body);
export const deleteUser = (id: string) => api.delete(`/users/${seg(id)}`);
