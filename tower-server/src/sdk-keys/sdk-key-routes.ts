import { changeContext, param, type DocumentedRouter } from '../http.js';
import { parseInput } from '../validation.js';
import { createSdkKeySchema } from './sdk-key-schemas.js';
import type { SdkKeyService } from './sdk-key-service.js';

/** /api/sdk-keys */
export function registerSdkKeyRoutes(r: DocumentedRouter, keys: SdkKeyService): void {
  const tag = 'sdk-keys';
  r.add(
    {
      method: 'get',
      path: '/api/sdk-keys',
      summary: 'List SDK keys (never the keys themselves)',
      tag,
      responses: { 200: { description: 'Keys', schema: 'SdkKey[]' } },
    },
    async (_req, res) => {
      res.json(await keys.list());
    },
  );
  r.add(
    {
      method: 'post',
      path: '/api/sdk-keys',
      summary: 'Create an SDK key; the plaintext key is in this answer only',
      tag,
      body: createSdkKeySchema,
      responses: {
        201: { description: 'Created', schema: 'CreatedSdkKey' },
        400: { description: 'Invalid body', schema: 'Error' },
      },
    },
    async (req, res) => {
      const body = parseInput(createSdkKeySchema, req.body);
      res.status(201).json(await keys.create(body.name, changeContext(req)));
    },
  );
  r.add(
    {
      method: 'delete',
      path: '/api/sdk-keys/:id',
      summary: 'Revoke an SDK key',
      tag,
      responses: {
        204: { description: 'Revoked' },
        404: { description: 'No such key', schema: 'Error' },
      },
    },
    async (req, res) => {
      await keys.revoke(param(req, 'id'), changeContext(req));
      res.status(204).end();
    },
  );
}
