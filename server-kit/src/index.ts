export { connectNats } from './nats.js';
export type { ConnectNatsOptions } from './nats.js';
export {
  connectRedis,
  createRedis,
  createRedisCluster,
  destroyRedis,
  isRedisCluster,
  onRedisReady,
  openRedis,
  redisNodeClients,
} from './redis.js';
export type {
  RedisClient,
  RedisClusterClient,
  RedisCredentials,
  RedisNodeClient,
  RedisTarget,
  ServiceRedis,
} from './redis.js';
export { ensureCircuitStream } from './circuit-stream.js';
export type { CircuitStreamNames, ReplicaOptions } from './circuit-stream.js';
export { ensureKvBucket } from './kv-bucket.js';
export {
  DEFAULT_HOST,
  DEFAULT_NATS_URL,
  DEFAULT_REDIS_URL,
  LOG_LEVELS,
  portSchema,
  natsServerListSchema,
  redisClusterNodesSchema,
  redisPrefixSchema,
  redisTargetFromEnv,
  refineRedisTarget,
  baseEnvSchema,
  parseEnv,
} from './env.js';
export type { LogLevel } from './env.js';
export {
  CLAIMS_UPDATE_SUBJECT,
  SYSTEM_ACCOUNT_NAME,
  TAILSLIDE_ACCOUNT_NAME,
  accountSignerOf,
  airbagPermissions,
  credsFile,
  generateNatsAuthSeeds,
  mintUser,
  natsAuthConfig,
  operatorJwt,
  publicKeyOf,
  pushAccountJwt,
  sdkPermissions,
  systemAccountJwt,
  systemUser,
  tailslideAccountJwt,
  towerPermissions,
} from './nats-auth.js';
export type {
  AccountSigner,
  NatsAuthSeeds,
  NatsNames,
  NatsRevocation,
  NatsServerConfigOptions,
  NatsUserCredentials,
} from './nats-auth.js';
export { NATS_KEY_FILES, initNatsKeysDir } from './nats-keys-dir.js';
export type { InitNatsKeysOptions, InitNatsKeysResult } from './nats-keys-dir.js';
