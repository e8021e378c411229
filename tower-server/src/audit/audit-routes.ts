import { param, type DocumentedRouter } from '../http.js';
import { parseFlagKey } from '../flags/flag-service.js';
import { parseId, parseInput } from '../validation.js';
import { appLogsQuerySchema, globalLogsQuerySchema, logsQuerySchema } from './audit-schemas.js';
import type { AuditService } from './audit-service.js';

/** The log endpoints: per flag, per app and global. */
export function registerAuditRoutes(r: DocumentedRouter, audit: AuditService): void {
  const tag = 'logs';
  const responses = {
    200: { description: 'A page of audit entries, newest first', schema: 'AuditPage' },
    400: { description: 'Invalid filter', schema: 'Error' },
  };
  r.add(
    {
      method: 'get',
      path: '/api/apps/:appId/flags/:flagKey/logs',
      summary: "A flag's audit log",
      tag,
      query: logsQuerySchema,
      responses,
    },
    async (req, res) => {
      const q = parseInput(logsQuerySchema, req.query, 'query');
      res.json(
        await audit.query({
          ...q,
          appId: parseId(param(req, 'appId'), 'app'),
          flagKey: parseFlagKey(param(req, 'flagKey')),
        }),
      );
    },
  );
  r.add(
    {
      method: 'get',
      path: '/api/apps/:appId/logs',
      summary: "An app's audit log",
      tag,
      query: appLogsQuerySchema,
      responses,
    },
    async (req, res) => {
      const q = parseInput(appLogsQuerySchema, req.query, 'query');
      res.json(await audit.query({ ...q, appId: parseId(param(req, 'appId'), 'app') }));
    },
  );
  r.add(
    {
      method: 'get',
      path: '/api/logs',
      summary: 'The global audit log',
      tag,
      query: globalLogsQuerySchema,
      responses,
    },
    async (req, res) => {
      const { appId, ...q } = parseInput(globalLogsQuerySchema, req.query, 'query');
      res.json(
        await audit.query({ ...q, ...(appId !== undefined ? { appId: Number(appId) } : {}) }),
      );
    },
  );
}
