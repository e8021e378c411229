/**
 * A second Airbag as a real process, for the SIGKILL failover test. Connects to the NATS and
 * Redis given in the environment, starts Airbag on its own timer (autoPoll) with the names it is
 * given, prints `ready` once started and `leader` the first time it holds the lease, then runs
 * until killed.
 */
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { createClient } from 'redis';
import { startAirbag } from '../src/airbag.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};

const nats = await connect({ servers: env('CHILD_NATS_URL') });
const redis = createClient({ url: env('CHILD_REDIS_URL'), disableOfflineQueue: true });
redis.on('error', () => undefined);
await redis.connect();
const airbag = await startAirbag({
  nats,
  redis,
  flagsBucket: env('CHILD_FLAGS_BUCKET'),
  airbagBucket: env('CHILD_AIRBAG_BUCKET'),
  circuitStream: env('CHILD_CIRCUIT_STREAM'),
  circuitSubjectRoot: env('CHILD_CIRCUIT_SUBJECT_ROOT'),
  redisPrefix: env('CHILD_REDIS_PREFIX'),
  instanceId: 'child',
  leaseMs: Number(env('CHILD_LEASE_MS')),
  pollIntervalMs: Number(env('CHILD_POLL_MS')),
  autoPoll: true,
  logger: pino({ level: 'silent' }),
});
process.stdout.write('ready\n');
const report = setInterval(() => {
  if (airbag.isLeader()) {
    process.stdout.write('leader\n');
    clearInterval(report);
  }
}, 10);
