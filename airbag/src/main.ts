import { once } from 'node:events';
import {
  connectNats,
  connectRedis,
  destroyRedis,
  onRedisReady,
  openRedis,
} from '@tailslide/server-kit';
import { pino } from 'pino';
import { startAirbag } from './airbag.js';
import { loadConfig } from './config.js';
import { createHttpServer } from './http.js';

// Composition root: read config, open NATS and Redis, start Airbag and its HTTP server; close in
// reverse on SIGTERM / SIGINT.
const config = loadConfig();
const logger = pino({ name: 'airbag', level: config.logLevel });

const nats = await connectNats({
  servers: config.natsServers,
  user: config.natsUser,
  pass: config.natsPassword,
  credsFile: config.natsCredsFile,
  name: `airbag-${config.instanceId}`,
});
let redisErrorLogged = false;
const redisTarget = config.redisClusterNodes
  ? { clusterNodes: config.redisClusterNodes }
  : { url: config.redisUrl };
const redisCredentials = { username: config.redisUser, password: config.redisPassword };
const redis = openRedis(
  redisTarget,
  (err: unknown) => {
    // node-redis emits an error on every reconnect attempt; the poller logs the outage once.
    if (!redisErrorLogged) logger.debug({ err }, 'redis client error');
    redisErrorLogged = true;
  },
  redisCredentials,
);
onRedisReady(redis, () => {
  redisErrorLogged = false;
});
await connectRedis(redis, (err: unknown) =>
  logger.warn({ err }, 'no Redis Cluster node answers yet; retrying'),
);
// Pub/Sub needs a connection of its own: the leader hears SDKs' wake-ups on it (ADR 0003). Its
// errors are the main client's too (same server), which logs them.
const wakeSubscriber = openRedis(redisTarget, () => undefined, redisCredentials);
await connectRedis(wakeSubscriber, () => undefined);

const airbag = await startAirbag({
  nats,
  redis,
  flagsBucket: config.flagsBucket,
  airbagBucket: config.airbagBucket,
  circuitStream: config.circuitStream,
  circuitSubjectRoot: config.circuitSubjectRoot,
  redisPrefix: config.redisPrefix,
  replicas: config.natsReplicas,
  pollIntervalMs: config.pollIntervalMs,
  wakeSubscriber,
  wakeMinIntervalMs: config.wakeMinIntervalMs,
  leaseMs: config.leaseMs,
  instanceId: config.instanceId,
  redisTimeoutMs: config.redisTimeoutMs,
  natsTimeoutMs: config.natsTimeoutMs,
  logger,
});

const http = createHttpServer({ airbag });
http.listen(config.httpPort, config.httpHost);
await once(http, 'listening');
logger.info({ port: config.httpPort, instanceId: config.instanceId }, 'airbag started');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'airbag stopping');
  http.close();
  await airbag.close();
  await nats.drain().catch(() => undefined);
  destroyRedis(wakeSubscriber);
  destroyRedis(redis);
  logger.info('airbag stopped');
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'unclean shutdown');
        process.exit(1);
      },
    );
  });
}
