import { changeContext, type DocumentedRouter } from '../http.js';
import { pageQuerySchema } from '../paging.js';
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
  r.get('/api/tokens', 'List API tokens, oldest first (never their secrets)', {
    role: 'admin',
    query: pageQuerySchema,
    response: apiTokenPageSchema,
    handler: ({ query }) => tokens.list(query),
  });
  r.post('/api/tokens', 'Create an API token; its secret (tst_…) is in this answer only', {
    role: 'admin',
    body: createTokenSchema,
    created: createdApiTokenSchema,
    errors: { 409: 'A live token has this name (conflict)' },
    handler: ({ body, req }) => tokens.create(body.name, body.role, changeContext(req)),
  });
  r.delete('/api/tokens/:tokenId', 'Revoke an API token (kept, with revokedAt set)', {
    role: 'admin',
    params: tokenParams,
    handler: ({ params, req }) => tokens.revoke(params.tokenId, changeContext(req)),
  });
}
