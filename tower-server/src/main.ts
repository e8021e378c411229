import { loadConfig } from './config.js';
import { startTower } from './server.js';

// Composition root of the Tower process: config from the environment, then startTower, then
// a graceful stop on SIGTERM / SIGINT (HTTP first, then consumers and loops, then connections).
const config = loadConfig();
const tower = await startTower(config);
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(
    `${JSON.stringify({ level: 30, msg: `received ${signal}, shutting down` })}\n`,
  );
  const force = setTimeout(() => process.exit(1), 15_000);
  force.unref();
  tower.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
