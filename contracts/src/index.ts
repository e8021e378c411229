export type { Result, ParseError } from './result.js';
export {
  TOKEN_PATTERN,
  isValidToken,
  DEFAULT_FLAGS_BUCKET,
  DEFAULT_AIRBAG_BUCKET,
  AIRBAG_LEADER_KEY,
  DEFAULT_CIRCUIT_STREAM,
  DEFAULT_TOWER_CIRCUIT_CONSUMER,
  DEFAULT_REDIS_PREFIX,
  flagKvKey,
  appFlagsKvFilter,
  ALL_FLAGS_KV_FILTER,
  parseFlagKvKey,
  circuitKvKey,
  appKvFilter,
  sdkInboxPrefix,
  ALL_CIRCUITS_KV_FILTER,
  parseCircuitKvKey,
  CIRCUIT_SUBJECT_ROOT,
  feedSubject,
  circuitStreamSubjects,
  circuitEventSubject,
  redisAppHashTag,
  signalBucketKey,
  REDIS_PREFIX_PATTERN,
  isValidRedisPrefix,
  signalField,
  parseSignalField,
  signalKeyPattern,
  signalWakeChannel,
  signalWakeChannelPattern,
  parseSignalWakeChannel,
  sdkRedisUser,
  REDIS_SERVICES,
  serviceRedisUser,
} from './names.js';
export type { RedisService } from './names.js';
export { parseNatsServers } from './nats-servers.js';
export { parseRedisClusterNodes } from './redis-nodes.js';
export type { RedisClusterNode } from './redis-nodes.js';
export {
  CIRCUIT_STREAM_SETTINGS,
  KV_BUCKET_SETTINGS,
  redisReconnectDelayMs,
} from './platform-settings.js';
export {
  RULESET_SCHEMA_VERSION,
  CircuitState,
  CircuitMode,
  RecoveryProfile,
  DEFAULT_CIRCUIT_SETTINGS,
  CIRCUIT_SETTING_LIMITS,
  ROLLOUT_PERCENTAGE_LIMIT,
  checkLimit,
  effectiveRolloutPercentage,
  encodeFlagRule,
  parseFlagRule,
} from './ruleset.js';
export type {
  CircuitSettings,
  CircuitStatus,
  FlagRule,
  NumericLimit,
  NumericCircuitSetting,
  LimitViolation,
} from './ruleset.js';
export {
  CIRCUIT_EVENT_SCHEMA_VERSION,
  CircuitEventType,
  circuitEventTypeToken,
  circuitEventId,
  encodeCircuitEvent,
  parseCircuitEvent,
} from './circuit-events.js';
export type { CircuitEvent, CircuitWindowStats, ArmWindowStats } from './circuit-events.js';
export {
  CIRCUIT_KV_STATE_SCHEMA_VERSION,
  circuitKvStateOf,
  encodeCircuitKvState,
  parseCircuitKvState,
  circuitDecisionWins,
  isCircuitDecisionStale,
  combineCircuitState,
} from './circuit-state.js';
export type { CircuitKvState } from './circuit-state.js';
export {
  SignalKind,
  SignalArm,
  SIGNAL_RESOLUTIONS,
  FINE_RESOLUTION_MS,
  bucketStart,
  windowBucketStarts,
  evidenceBucketStarts,
  DEFAULT_SEAL_LAG_MS,
  isBucketSealed,
  sealedBucketCount,
} from './signals.js';
export {
  BASIS_POINTS_PER_PERCENT,
  toBasisPoints,
  errorRateAtLeast,
  errorRateBelowShare,
  errorRateExceedsBy,
  errorRatePercentage,
} from './thresholds.js';
export { CIRCUIT_TRANSITIONS, circuitTransition } from './circuit-transitions.js';
export type { CircuitTransition } from './circuit-transitions.js';
export type { SignalResolution, SignalCounts } from './signals.js';
export {
  BUCKET_COUNT,
  murmurHash3,
  prepareSalt,
  hashToBucket,
  bucketWithPreparedSalt,
  bucketOf,
  rolloutThreshold,
  isInRollout,
} from './bucketing.js';
export type { PreparedSalt } from './bucketing.js';
export { SocketEvent } from './socket-events.js';
export type { ServerToClientEvents, ClientToServerEvents, FlagEventDto } from './socket-events.js';
export {
  MAX_PAGE_LIMIT,
  DEFAULT_PAGE_LIMIT,
  Role,
  ROLES,
  roleAllows,
  SESSION_COOKIE,
  API_TOKEN_PREFIX,
  MIN_PASSWORD_LENGTH,
  MAX_REASON_LENGTH,
  TIMESERIES_PEAK_MIN_REQUESTS,
} from './api.js';
export type {
  ApiErrorBody,
  AppDto,
  FlagDto,
  CreateFlagRequest,
  UpdateFlagRequest,
  ToggleFlagRequest,
  Actor,
  AuditChange,
  AuditEntryDto,
  Page,
  TimeSeriesPointDto,
  TimeSeriesArmDto,
  TimeSeriesMarkDto,
  TimeSeriesMarkKind,
  TimeSeriesWindow,
  TimeSeriesDto,
  WebhookDto,
  WebhookDeliveryStatus,
  WebhookDeliveryDto,
  SdkKeyDto,
  CreatedSdkKeyDto,
  UserDto,
  SessionDto,
  LoginRequest,
  ChangePasswordRequest,
  CreateUserRequest,
  UpdateUserRequest,
  ApiTokenDto,
  CreateApiTokenRequest,
  CreatedApiTokenDto,
} from './api.js';
export { SDK_KEY_PREFIX, encodeSdkKey, isSdkKeyString, parseSdkKey } from './sdk-key.js';
export type { SdkCredentials } from './sdk-key.js';
export {
  WATCH_PROBE_INTERVAL_MS,
  classifyProbeError,
  startWatchProbe,
  probeKvWatch,
} from './watch-probe.js';
export type { ProbedConsumer, WatchProbe, WatchProbeOptions } from './watch-probe.js';
