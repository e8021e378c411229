import { changeContext, param, type DocumentedRouter } from '../http.js';
import { pageQuerySchema } from '../paging.js';
import { parseInput } from '../validation.js';
import { createTokenSchema } from './token-schemas.js';
import type { TokenService } from './token-service.js';

/** /api/tokens (admins only). */
export function registerTokenRoutes(r: DocumentedRouter, tokens: TokenService): void {
  const tag = 'tokens';
  r.add(
    {
      method: 'get',
      path: '/api/tokens',
      summary: 'List API tokens, oldest first (never their secrets)',
      tag,
      query: pageQuerySchema,
      responses: { 200: { description: 'A page of tokens', schema: 'ApiTokenPage' } },
    },
    async (req, res) => {
      res.json(await tokens.list(parseInput(pageQuerySchema, req.query, 'query')));
    },
  );
  r.add(
    {
      method: 'post',
      path: '/api/tokens',
      summary: 'Create an API token; its secret (tst_…) is in this answer only',
      tag,
      body: createTokenSchema,
      responses: {
        201: { description: 'Created', schema: 'CreatedApiToken' },
        400: { description: 'Invalid body', schema: 'Error' },
        409: { description: 'A live token has this name (conflict)', schema: 'Error' },
      },
    },
    async (req, res) => {
      const body = parseInput(createTokenSchema, req.body);
      res.status(201).json(await tokens.create(body.name, body.role, changeContext(req)));
    },
  );
  r.add(
    {
      method: 'delete',
      path: '/api/tokens/:tokenId',
      summary: 'Revoke an API token (kept, with revokedAt set)',
      tag,
      responses: {
        204: { description: 'Revoked' },
        404: { description: 'No such token', schema: 'Error' },
      },
    },
    async (req, res) => {
      await tokens.revoke(param(req, 'tokenId'), changeContext(req));
      res.status(204).end();
    },
  );
}
