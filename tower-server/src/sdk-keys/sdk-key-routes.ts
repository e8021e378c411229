import { changeContext, type DocumentedRouter } from '../http.js';
import {
  createdSdkKeySchema,
  createSdkKeySchema,
  sdkKeyPageSchema,
  sdkKeyParams,
  sdkKeyQuerySchema,
} from './sdk-key-schemas.js';
import type { SdkKeyService } from './sdk-key-service.js';

/** /api/sdk-keys */
export function registerSdkKeyRoutes(router: DocumentedRouter, keys: SdkKeyService): void {
  const r = router.tagged('sdk-keys');
  r.get('/api/sdk-keys', 'List SDK keys, oldest first (never the keys themselves)', {
    role: 'viewer',
    query: sdkKeyQuerySchema,
    response: sdkKeyPageSchema,
    handler: ({ query }) => keys.list(query, query.appId),
  });
  r.post('/api/sdk-keys', "Create an app's SDK key; the key (tsk1.…) is in this answer only", {
    role: 'admin',
    body: createSdkKeySchema,
    created: createdSdkKeySchema,
    errors: { 404: 'No app has this id', 503: 'NATS or Postgres unavailable' },
    handler: ({ body, req }) => keys.create(body, changeContext(req)),
  });
  r.delete('/api/sdk-keys/:id', 'Revoke an SDK key: NATS cuts its connections off at once', {
    role: 'admin',
    params: sdkKeyParams,
    errors: { 503: 'NATS did not take the revocation (nothing changed)' },
    handler: ({ params, req }) => keys.revoke(params.id, changeContext(req)),
  });
}
