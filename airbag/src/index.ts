export { startAirbag } from './airbag.js';
export type { Airbag, AirbagHealth, AirbagOptions, RedisClient } from './airbag.js';
export type { TickResult } from './poller.js';
export type { WakeSubscriber } from './wake-listener.js';
export { createHttpServer } from './http.js';
export type { HttpServerDeps } from './http.js';
export {
  decide,
  evidenceRequest,
  isEvaluated,
  nextRecoveryPercentage,
  requiredRecoveryRequests,
  recoveryStepThreshold,
  RECOVERY_HYSTERESIS_RATIO,
  MIN_RECOVERY_SAMPLE,
  FAST_BURN_BUCKETS,
  FAST_BURN_NOISE_POINTS,
  isStrongBreach,
  fastBurnWindow,
} from './circuit.js';
export type { CircuitDecision, CircuitInput, EvidenceRequest } from './circuit.js';
export { evidenceSpan, windowErrorRate } from './error-rate.js';
export type { BucketCounts, EvidenceSpan } from './error-rate.js';
