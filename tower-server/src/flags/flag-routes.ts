import type { Request, Response } from 'express';
import type { FlagDto } from '@tailslide/contracts';
import { appParams } from '../apps/app-schemas.js';
import { changeContext, type DocumentedRouter } from '../http.js';
import { parseIfMatch } from '../validation.js';
import { pageQuerySchema } from '../paging.js';
import { flagPageSchema, flagParams, flagSchema } from './flag-response-schemas.js';
import {
  createFlagSchema,
  deleteFlagSchema,
  toggleFlagSchema,
  updateFlagSchema,
} from './flag-schemas.js';
import type { FlagService } from './flag-service.js';

function withEtag(res: Response, flag: FlagDto): FlagDto {
  res.set('ETag', `"${flag.version}"`);
  return flag;
}

function expectedVersion(req: Request, bodyVersion?: number): number | undefined {
  return bodyVersion ?? parseIfMatch(req.get('if-match'));
}

const FLAGS = '/api/apps/:appId/flags';
const FLAG = `${FLAGS}/:flagKey`;
/** What every change of an existing flag declares: its address, If-Match, and 409 when stale. */
const flagChange = {
  role: 'editor',
  params: flagParams,
  ifMatch: true,
  errors: { 409: 'Stale version (version_conflict)' },
} as const;

/** /api/apps/:appId/flags */
export function registerFlagRoutes(router: DocumentedRouter, flags: FlagService): void {
  const r = router.tagged('flags');
  r.get(FLAGS, "List an app's flags, by key", {
    role: 'viewer',
    params: appParams,
    query: pageQuerySchema,
    response: flagPageSchema,
    handler: ({ params, query }) => flags.list(params.appId, query),
  });
  r.post(FLAGS, 'Create a flag', {
    role: 'editor',
    params: appParams,
    body: createFlagSchema,
    created: flagSchema,
    errors: { 409: 'Duplicate key (conflict)' },
    handler: async ({ params, body, req, res }) =>
      withEtag(res, await flags.create(params.appId, body, changeContext(req))),
  });
  r.get(FLAG, 'Get a flag', {
    role: 'viewer',
    params: flagParams,
    response: flagSchema,
    handler: async ({ params, res }) =>
      withEtag(res, await flags.get(params.appId, params.flagKey)),
  });
  r.patch(FLAG, 'Update a flag (optimistic concurrency via `version` or If-Match)', {
    ...flagChange,
    body: updateFlagSchema,
    response: flagSchema,
    handler: async ({ params: { appId, flagKey }, body, req, res }) =>
      withEtag(
        res,
        await flags.update(
          appId,
          flagKey,
          body,
          expectedVersion(req),
          changeContext(req, body.reason),
        ),
      ),
  });
  r.delete(FLAG, 'Delete a flag (its KV entry is deleted)', {
    ...flagChange,
    body: deleteFlagSchema,
    handler: ({ params: { appId, flagKey }, body, req }) =>
      flags.delete(appId, flagKey, expectedVersion(req, body.version), changeContext(req)),
  });
  r.post(
    `${FLAG}/toggle`,
    'Turn a flag on or off (off cancels a recovery; on closes an open circuit)',
    {
      ...flagChange,
      body: toggleFlagSchema,
      response: flagSchema,
      handler: async ({ params: { appId, flagKey }, body, req, res }) => {
        const expected = expectedVersion(req, body.version);
        const ctx = changeContext(req, body.reason);
        return withEtag(res, await flags.toggle(appId, flagKey, body.active, expected, ctx));
      },
    },
  );
}
