import type { Request, Response } from 'express';
import type { FlagDto } from '@tailslide/contracts';
import { changeContext, param, type DocumentedRouter } from '../http.js';
import { parseIfMatch, parseInput } from '../validation.js';
import {
  createFlagSchema,
  deleteFlagSchema,
  toggleFlagSchema,
  updateFlagSchema,
} from './flag-schemas.js';
import type { FlagService } from './flag-service.js';

function sendFlag(res: Response, flag: FlagDto, status = 200): void {
  res.status(status).set('ETag', `"${flag.version}"`).json(flag);
}

function expectedVersion(req: Request, bodyVersion: number | undefined): number | undefined {
  return bodyVersion ?? parseIfMatch(req.get('if-match'));
}

const FLAG = '/api/apps/:appId/flags/:flagKey';

/** /api/apps/:appId/flags */
export function registerFlagRoutes(r: DocumentedRouter, flags: FlagService): void {
  const tag = 'flags';
  const notFound = { description: 'No such app or flag', schema: 'Error' };
  const invalid = { description: 'Invalid request', schema: 'Error' };
  const conflict = { description: 'Stale version (version_conflict)', schema: 'Error' };
  const savedFlag = {
    200: { description: 'The flag', schema: 'Flag' },
    400: invalid,
    404: notFound,
    409: conflict,
  };
  r.add(
    {
      method: 'get',
      path: '/api/apps/:appId/flags',
      summary: "List an app's flags",
      tag,
      responses: { 200: { description: 'Flags', schema: 'Flag[]' }, 404: notFound },
    },
    async (req, res) => {
      res.json(await flags.list(param(req, 'appId')));
    },
  );
  r.add(
    {
      method: 'post',
      path: '/api/apps/:appId/flags',
      summary: 'Create a flag',
      tag,
      body: createFlagSchema,
      responses: {
        201: { description: 'Created', schema: 'Flag' },
        400: invalid,
        404: notFound,
        409: { description: 'Duplicate key', schema: 'Error' },
      },
    },
    async (req, res) => {
      const body = parseInput(createFlagSchema, req.body);
      sendFlag(res, await flags.create(param(req, 'appId'), body, changeContext(req)), 201);
    },
  );
  r.add(
    {
      method: 'get',
      path: FLAG,
      summary: 'Get a flag',
      tag,
      responses: { 200: { description: 'The flag', schema: 'Flag' }, 404: notFound },
    },
    async (req, res) => {
      sendFlag(res, await flags.get(param(req, 'appId'), param(req, 'flagKey')));
    },
  );
  r.add(
    {
      method: 'patch',
      path: FLAG,
      summary: 'Update a flag (optimistic concurrency via `version` or If-Match)',
      tag,
      body: updateFlagSchema,
      ifMatch: true,
      responses: savedFlag,
    },
    async (req, res) => {
      const body = parseInput(updateFlagSchema, req.body);
      const flag = await flags.update(
        param(req, 'appId'),
        param(req, 'flagKey'),
        body,
        expectedVersion(req, undefined),
        changeContext(req, body.reason),
      );
      sendFlag(res, flag);
    },
  );
  r.add(
    {
      method: 'delete',
      path: FLAG,
      summary: 'Delete a flag (its KV entry is deleted)',
      tag,
      ifMatch: true,
      responses: { 204: { description: 'Deleted' }, 404: notFound, 409: conflict },
    },
    async (req, res) => {
      const body = parseInput(deleteFlagSchema, req.body ?? {});
      await flags.delete(
        param(req, 'appId'),
        param(req, 'flagKey'),
        expectedVersion(req, body.version),
        changeContext(req),
      );
      res.status(204).end();
    },
  );
  r.add(
    {
      method: 'post',
      path: `${FLAG}/toggle`,
      summary: 'Turn a flag on or off (off cancels a recovery; on closes an open circuit)',
      tag,
      body: toggleFlagSchema,
      ifMatch: true,
      responses: savedFlag,
    },
    async (req, res) => {
      const body = parseInput(toggleFlagSchema, req.body);
      const flag = await flags.toggle(
        param(req, 'appId'),
        param(req, 'flagKey'),
        body.active,
        expectedVersion(req, body.version),
        changeContext(req, body.reason),
      );
      sendFlag(res, flag);
    },
  );
}
