import { changeContext, type DocumentedRouter } from '../http.js';
import {
  apiTokenPageSchema,
  createdApiTokenSchema,
  createTokenSchema,
  tokenParams,
} from './token-schemas.js';
import type { TokenService } from './token-service.js';

/** /api/tokens (admins only). */
export function registerTokenRoutes(router: DocumentedRouter, tokens: TokenService): void {
  const r = router.tagged('tokens');
  r.collection('/api/tokens', {
    list: {
      summary: 'List API tokens, oldest first (never their secrets)',
      role: 'admin',
      page: apiTokenPageSchema,
      handler: (page) => tokens.list(page),
    },
    create: {
      summary: 'Create an API token; its secret (tst_…) is in this answer only',
      role: 'admin',
      body: createTokenSchema,
      created: createdApiTokenSchema,
      errors: { 409: 'A live token has this name (conflict)' },
      handler: (body, ctx) => tokens.create(body.name, body.role, ctx),
    },
  });
  r.delete('/api/tokens/:tokenId', 'Revoke an API token (kept, with revokedAt set)', {
    role: 'admin',
    params: tokenParams,
    handler: ({ params, req }) => tokens.revoke(params.tokenId, changeContext(req)),
  });
}
