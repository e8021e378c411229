import { z } from 'zod';
import { changeContext, type DocumentedRouter } from '../http.js';
import {
  createdSdkKeySchema,
  createSdkKeySchema,
  sdkKeyParams,
  sdkKeySchema,
} from './sdk-key-schemas.js';
import type { SdkKeyService } from './sdk-key-service.js';

/** /api/sdk-keys */
export function registerSdkKeyRoutes(router: DocumentedRouter, keys: SdkKeyService): void {
  const r = router.tagged('sdk-keys');
  r.get('/api/sdk-keys', 'List SDK keys (never the keys themselves)', {
    role: 'viewer',
    response: z.array(sdkKeySchema),
    handler: () => keys.list(),
  });
  r.post('/api/sdk-keys', 'Create an SDK key; the plaintext key is in this answer only', {
    role: 'admin',
    body: createSdkKeySchema,
    created: createdSdkKeySchema,
    handler: ({ body, req }) => keys.create(body.name, changeContext(req)),
  });
  r.delete('/api/sdk-keys/:id', 'Revoke an SDK key', {
    role: 'admin',
    params: sdkKeyParams,
    handler: ({ params, req }) => keys.revoke(params.id, changeContext(req)),
  });
}
