export { connectNats } from './nats.js';
export type { ConnectNatsOptions } from './nats.js';
export { createRedis } from './redis.js';
export type { RedisClient, RedisCredentials } from './redis.js';
export { ensureCircuitStream } from './circuit-stream.js';
export type { CircuitStreamNames } from './circuit-stream.js';
export { ensureKvBucket } from './kv-bucket.js';
export {
  DEFAULT_HOST,
  DEFAULT_NATS_URL,
  DEFAULT_REDIS_URL,
  LOG_LEVELS,
  portSchema,
  natsServerListSchema,
  baseEnvSchema,
  parseEnv,
} from './env.js';
export type { LogLevel } from './env.js';
