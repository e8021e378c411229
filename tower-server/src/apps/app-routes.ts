import { changeContext, type DocumentedRouter } from '../http.js';
import {
  appPageSchema,
  appParams,
  appSchema,
  createAppSchema,
  updateAppSchema,
} from './app-schemas.js';
import type { AppService } from './app-service.js';

/** /api/apps */
export function registerAppRoutes(router: DocumentedRouter, apps: AppService): void {
  const r = router.tagged('apps');
  r.collection('/api/apps', {
    list: {
      summary: 'List apps, oldest first',
      role: 'viewer',
      page: appPageSchema,
      handler: (page) => apps.list(page),
    },
    create: {
      summary: 'Create an app',
      role: 'editor',
      body: createAppSchema,
      created: appSchema,
      handler: (body, ctx) => apps.create(body.title, ctx),
    },
  });
  r.get('/api/apps/:appId', 'Get an app', {
    role: 'viewer',
    params: appParams,
    response: appSchema,
    handler: ({ params }) => apps.get(params.appId),
  });
  r.patch('/api/apps/:appId', 'Rename an app', {
    role: 'editor',
    params: appParams,
    body: updateAppSchema,
    response: appSchema,
    handler: ({ params, body, req }) => apps.update(params.appId, body.title, changeContext(req)),
  });
  r.delete('/api/apps/:appId', 'Delete an app and all its flags (their KV entries are deleted)', {
    role: 'editor',
    params: appParams,
    handler: ({ params, req }) => apps.delete(params.appId, changeContext(req)),
  });
}
