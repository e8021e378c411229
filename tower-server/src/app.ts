import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { registerWebhookRoutes } from './alerts/webhook-routes.js';
import type { WebhookService } from './alerts/webhook-service.js';
import { registerAppRoutes } from './apps/app-routes.js';
import type { AppService } from './apps/app-service.js';
import { registerAuditRoutes } from './audit/audit-routes.js';
import type { AuditService } from './audit/audit-service.js';
import { registerAuthRoutes } from './auth/auth-routes.js';
import type { AuthService } from './auth/auth-service.js';
import { createAuthorize } from './auth/authorize.js';
import { registerCircuitRoutes } from './circuits/circuit-routes.js';
import type { SignalReader } from './circuits/signal-reader.js';
import { errorBody, errorMiddleware } from './errors.js';
import { registerFlagRoutes } from './flags/flag-routes.js';
import type { FlagService } from './flags/flag-service.js';
import { DocumentedRouter, type Authorize } from './http.js';
import type { TowerMetrics } from './ops/metrics.js';
import { registerOpsRoutes, type ReadinessCheck } from './ops/ops-routes.js';
import { requestLogLevel } from './ops/request-log.js';
import { buildOpenApiDocument } from './openapi.js';
import { installBrowserSecurity, type BrowserSecurityOptions } from './security.js';
import { registerSdkKeyRoutes } from './sdk-keys/sdk-key-routes.js';
import type { SdkKeyService } from './sdk-keys/sdk-key-service.js';
import { registerTokenRoutes } from './tokens/token-routes.js';
import type { TokenService } from './tokens/token-service.js';
import { registerUserRoutes } from './users/user-routes.js';
import type { UserService } from './users/user-service.js';

/** Everything the HTTP app needs; built by the composition root (or a test). */
export interface AppDeps extends BrowserSecurityOptions {
  readonly logger: Logger;
  readonly metrics: TowerMetrics;
  readonly apps: AppService;
  readonly flags: FlagService;
  readonly audit: AuditService;
  readonly sdkKeys: SdkKeyService;
  readonly webhooks: WebhookService;
  readonly auth: AuthService;
  readonly users: UserService;
  readonly tokens: TokenService;
  /** Mark the session cookie `Secure`. @default true when `publicUrl` is https */
  readonly secureCookie?: boolean;
  readonly signals: SignalReader | null;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /** Built tower-ui to serve, with SPA fallback. */
  readonly uiDir?: string;
  /** Decides whether a request may call a route. @default createAuthorize(auth): session or token */
  readonly authorize?: Authorize;
  /** JSON body limit. @default '1mb' */
  readonly bodyLimit?: string;
  readonly now?: () => number;
}

/** Builds the Express app. Never listens: the caller (startTower or a test) does. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger: deps.logger,
      // Request ids are Tower's own: a client-chosen X-Request-Id is never trusted or stored.
      genReqId: (_req, res) => {
        const id = randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (req, res, err) => requestLogLevel(req.method, res.statusCode, err),
      autoLogging: {
        ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics',
      },
    }),
  );
  installBrowserSecurity(app, deps);
  app.use((req, res, next) => {
    const end = deps.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      deps.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      end({ method: req.method, route });
    });
    next();
  });
  app.use(express.json({ limit: deps.bodyLimit ?? '1mb' }));

  const r = new DocumentedRouter(deps.authorize ?? createAuthorize(deps.auth));
  registerAuthRoutes(r, deps.auth, {
    secureCookie: deps.secureCookie ?? deps.publicUrl?.protocol === 'https:',
  });
  registerUserRoutes(r, deps.users, deps.auth);
  registerTokenRoutes(r, deps.tokens);
  registerAppRoutes(r, deps.apps);
  registerFlagRoutes(r, deps.flags);
  registerAuditRoutes(r, deps.audit);
  registerCircuitRoutes(r, {
    flags: deps.flags,
    audit: deps.audit,
    signals: deps.signals,
    ...(deps.now ? { now: deps.now } : {}),
  });
  registerSdkKeyRoutes(r, deps.sdkKeys);
  registerWebhookRoutes(r, deps.webhooks);
  let openapi: ReturnType<typeof buildOpenApiDocument> | null = null;
  registerOpsRoutes(r, {
    metrics: deps.metrics,
    checks: deps.checks,
    openapi: () => (openapi ??= buildOpenApiDocument(r.docs)),
  });
  app.use(r.router);

  app.use('/api', (_req, res) => {
    res.status(404).json(errorBody('not_found', 'no such endpoint'));
  });

  if (deps.uiDir) {
    const dir = resolve(deps.uiDir);
    const index = join(dir, 'index.html');
    app.use(express.static(dir, { index: false }));
    app.use((req, res, next) => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !existsSync(index)) {
        next();
        return;
      }
      res.sendFile(index);
    });
  }

  app.use((_req, res) => {
    res.status(404).json(errorBody('not_found', 'not found'));
  });
  app.use(errorMiddleware(deps.logger));
  return app;
}
