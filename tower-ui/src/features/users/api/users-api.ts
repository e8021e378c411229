import type { CreateUserRequest, Page, UpdateUserRequest, UserDto } from '@tailslide/contracts';
import { api, pageQuery, seg } from '../../../lib/api-client.js';

/** One page of users, oldest first. */
export const listUsers = (cursor: string | null, signal?: AbortSignal, limit?: number) =>
  api.get<Page<UserDto>>(`/users${pageQuery(cursor, limit)}`, signal);
export const createUser = (body: CreateUserRequest) => api.post<UserDto>('/users', body);
export const updateUser = (id: string, body: UpdateUserRequest) =>
  api.patch<UserDto>(`/users/${seg(id)}`, body);
export const deleteUser = (id: string) => api.delete(`/users/${seg(id)}`);
