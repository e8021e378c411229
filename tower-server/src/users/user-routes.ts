import { changeContext, param, type DocumentedRouter } from '../http.js';
import { pageQuerySchema } from '../paging.js';
import { parseInput } from '../validation.js';
import { createUserSchema, updateUserSchema } from './user-schemas.js';
import type { UserService } from './user-service.js';

/** /api/users (admins only). */
export function registerUserRoutes(r: DocumentedRouter, users: UserService): void {
  const tag = 'users';
  const notFound = { description: 'No such user', schema: 'Error' };
  const lastAdmin = { description: 'Would leave no active admin (conflict)', schema: 'Error' };
  r.add(
    {
      method: 'get',
      path: '/api/users',
      summary: 'List users, oldest first',
      tag,
      query: pageQuerySchema,
      responses: { 200: { description: 'A page of users', schema: 'UserPage' } },
    },
    async (req, res) => {
      res.json(await users.list(parseInput(pageQuerySchema, req.query, 'query')));
    },
  );
  r.add(
    {
      method: 'post',
      path: '/api/users',
      summary: 'Create a user',
      tag,
      body: createUserSchema,
      responses: {
        201: { description: 'Created', schema: 'User' },
        400: { description: 'Invalid body', schema: 'Error' },
        409: { description: 'Email taken (conflict)', schema: 'Error' },
      },
    },
    async (req, res) => {
      const body = parseInput(createUserSchema, req.body);
      res.status(201).json(await users.create(body, changeContext(req)));
    },
  );
  r.add(
    {
      method: 'patch',
      path: '/api/users/:userId',
      summary: "Change a user's role or disable it (a disabled user's sessions end)",
      tag,
      body: updateUserSchema,
      responses: {
        200: { description: 'The user', schema: 'User' },
        400: { description: 'Invalid body', schema: 'Error' },
        404: notFound,
        409: lastAdmin,
      },
    },
    async (req, res) => {
      const body = parseInput(updateUserSchema, req.body);
      res.json(await users.update(param(req, 'userId'), body, changeContext(req)));
    },
  );
  r.add(
    {
      method: 'delete',
      path: '/api/users/:userId',
      summary: 'Delete a user',
      tag,
      responses: { 204: { description: 'Deleted' }, 404: notFound, 409: lastAdmin },
    },
    async (req, res) => {
      await users.delete(param(req, 'userId'), changeContext(req));
      res.status(204).end();
    },
  );
}
