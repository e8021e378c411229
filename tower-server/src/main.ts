import { loadConfig } from './config.js';
import { openTowerConnections } from './connections.js';
import { createTower, createTowerLogger } from './server.js';

// Composition root of the Tower process: config from the environment, then the connections
// (migrations, Postgres, NATS, Redis), then Tower built on them; a graceful stop on SIGTERM /
// SIGINT closes in reverse (HTTP, consumers and loops, then the connections).
const config = loadConfig();
const logger = createTowerLogger(config.logLevel);
const connections = await openTowerConnections(config, logger);
const tower = await createTower({ config, logger, ...connections }).catch(async (err: unknown) => {
  await connections.close();
  throw err;
});
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 15_000);
  force.unref();
  tower
    .close()
    .then(() => connections.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
