import { changeContext, param, type DocumentedRouter } from '../http.js';
import { parseInput } from '../validation.js';
import { createAppSchema, updateAppSchema } from './app-schemas.js';
import type { AppService } from './app-service.js';

/** /api/apps */
export function registerAppRoutes(r: DocumentedRouter, apps: AppService): void {
  const tag = 'apps';
  r.add(
    {
      method: 'get',
      path: '/api/apps',
      summary: 'List apps',
      tag,
      responses: { 200: { description: 'Apps', schema: 'App[]' } },
    },
    async (_req, res) => {
      res.json(await apps.list());
    },
  );
  r.add(
    {
      method: 'post',
      path: '/api/apps',
      summary: 'Create an app',
      tag,
      body: createAppSchema,
      responses: {
        201: { description: 'Created', schema: 'App' },
        400: { description: 'Invalid body', schema: 'Error' },
      },
    },
    async (req, res) => {
      const body = parseInput(createAppSchema, req.body);
      res.status(201).json(await apps.create(body.title, changeContext(req)));
    },
  );
  r.add(
    {
      method: 'get',
      path: '/api/apps/:appId',
      summary: 'Get an app',
      tag,
      responses: {
        200: { description: 'The app', schema: 'App' },
        404: { description: 'No such app', schema: 'Error' },
      },
    },
    async (req, res) => {
      res.json(await apps.get(param(req, 'appId')));
    },
  );
  r.add(
    {
      method: 'patch',
      path: '/api/apps/:appId',
      summary: 'Rename an app',
      tag,
      body: updateAppSchema,
      responses: {
        200: { description: 'The app', schema: 'App' },
        400: { description: 'Invalid body', schema: 'Error' },
        404: { description: 'No such app', schema: 'Error' },
      },
    },
    async (req, res) => {
      const body = parseInput(updateAppSchema, req.body);
      res.json(await apps.update(param(req, 'appId'), body.title, changeContext(req)));
    },
  );
  r.add(
    {
      method: 'delete',
      path: '/api/apps/:appId',
      summary: 'Delete an app and all its flags (their KV entries are deleted)',
      tag,
      responses: {
        204: { description: 'Deleted' },
        404: { description: 'No such app', schema: 'Error' },
      },
    },
    async (req, res) => {
      await apps.delete(param(req, 'appId'), changeContext(req));
      res.status(204).end();
    },
  );
}
