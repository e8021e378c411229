import { createServer, type Server } from 'node:http';
import type { Airbag } from './airbag.js';

export interface HttpServerDeps {
  readonly airbag: Pick<Airbag, 'health' | 'metrics'>;
}

/**
 * `/healthz` (200 `ok`, 503 `degraded` while Redis cannot be read or NATS is not connected — use it for
 * readiness and alerting, not for liveness: a restart does not heal Redis) and `/metrics`
 * (Prometheus). Returns a server that is not listening yet.
 */
export function createHttpServer(deps: HttpServerDeps): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const health = deps.airbag.health();
      res
        .writeHead(health.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(health));
      return;
    }
    if (path === '/metrics') {
      deps.airbag.metrics.metrics().then(
        (text) => res.writeHead(200, { 'content-type': deps.airbag.metrics.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { code: 'not_found', message: 'not found' } }));
  });
}
