import { appParams } from '../apps/app-schemas.js';
import { flagParams } from '../flags/flag-response-schemas.js';
import type { DocumentedRouter } from '../http.js';
import {
  appLogsQuerySchema,
  auditPageSchema,
  globalLogsQuerySchema,
  logsQuerySchema,
} from './audit-schemas.js';
import type { AuditService } from './audit-service.js';

/** The log endpoints: per flag, per app and global. */
export function registerAuditRoutes(router: DocumentedRouter, audit: AuditService): void {
  const r = router.tagged('logs');
  const page = { response: auditPageSchema, description: 'A page of audit entries, newest first' };
  r.get('/api/apps/:appId/flags/:flagKey/logs', "A flag's audit log", {
    role: 'viewer',
    params: flagParams,
    query: logsQuerySchema,
    ...page,
    handler: ({ params, query }) =>
      audit.query({ ...query, appId: Number(params.appId), flagKey: params.flagKey }),
  });
  r.get('/api/apps/:appId/logs', "An app's audit log", {
    role: 'viewer',
    params: appParams,
    query: appLogsQuerySchema,
    ...page,
    handler: ({ params, query }) => audit.query({ ...query, appId: Number(params.appId) }),
  });
  r.get('/api/logs', 'The global audit log', {
    role: 'viewer',
    query: globalLogsQuerySchema,
    ...page,
    handler: ({ query: { appId, ...query } }) =>
      audit.query({ ...query, ...(appId !== undefined ? { appId: Number(appId) } : {}) }),
  });
}
