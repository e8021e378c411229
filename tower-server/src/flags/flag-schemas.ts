import {
  CIRCUIT_SETTING_LIMITS,
  CircuitMode,
  MAX_REASON_LENGTH,
  ROLLOUT_PERCENTAGE_LIMIT,
  TOKEN_PATTERN,
  checkLimit,
  type NumericLimit,
} from '@tailslide/contracts';
import { z } from 'zod';
import { idString, title } from '../validation.js';

/** A number inside `limit` (the contracts table the dashboard's form is built from too). */
export function limitedNumber(limit: NumericLimit) {
  const number = limit.step === 1 ? z.int() : z.number();
  const bounded = (limit.minExclusive ? number.gt(limit.min) : number.min(limit.min)).max(
    limit.max,
  );
  if (limit.step === 1) return bounded;
  return bounded.refine((v) => checkLimit(limit, v) !== 'off_step', {
    message: `must be a multiple of ${limit.step}`,
  });
}

const L = CIRCUIT_SETTING_LIMITS;

/** A partial set of circuit settings, each inside its {@link CIRCUIT_SETTING_LIMITS} entry. */
export const circuitPatchSchema = z
  .strictObject({
    enabled: z.boolean(),
    errorThresholdPercentage: limitedNumber(L.errorThresholdPercentage),
    minimumRequests: limitedNumber(L.minimumRequests),
    windowMs: limitedNumber(L.windowMs),
    recoveryDelayMs: limitedNumber(L.recoveryDelayMs),
    recoveryProfile: z.enum(['linear', 'exponential']),
    initialRecoveryPercentage: limitedNumber(L.initialRecoveryPercentage),
    recoveryIncrementPercentage: limitedNumber(L.recoveryIncrementPercentage),
    recoveryStepMs: limitedNumber(L.recoveryStepMs),
    slowCallMs: limitedNumber(L.slowCallMs).nullable(),
    mode: z.enum(CircuitMode),
    relativeMarginPoints: limitedNumber(L.relativeMarginPoints),
  })
  .partial();
/** Parsed {@link circuitPatchSchema}. */
export type CircuitPatch = z.infer<typeof circuitPatchSchema>;

const whitelist = z.array(z.string().min(1).max(256)).max(10_000);
const alertWebhookIds = z.array(idString).max(100);
const description = z.string().max(2_000);
const rollout = limitedNumber(ROLLOUT_PERCENTAGE_LIMIT);
const version = z.int().min(0);
/** Why, shown in the audit log next to the change. */
const reason = z.string().max(MAX_REASON_LENGTH);

/** POST /api/apps/:appId/flags */
export const createFlagSchema = z.strictObject({
  key: z.string().regex(TOKEN_PATTERN, 'must be 1–64 characters of A–Z, a–z, 0–9, _ or -'),
  title,
  description: description.optional(),
  active: z.boolean().optional(),
  rolloutPercentage: rollout.optional(),
  whitelist: whitelist.optional(),
  circuit: circuitPatchSchema.optional(),
  alertWebhookIds: alertWebhookIds.optional(),
});
/** Parsed {@link createFlagSchema}. */
export type CreateFlagInput = z.infer<typeof createFlagSchema>;

/** PATCH /api/apps/:appId/flags/:flagKey (on/off goes through toggle, so it is audited as one). */
export const updateFlagSchema = z.strictObject({
  title: title.optional(),
  description: description.optional(),
  rolloutPercentage: rollout.optional(),
  whitelist: whitelist.optional(),
  circuit: circuitPatchSchema.optional(),
  alertWebhookIds: alertWebhookIds.optional(),
  version: version.optional(),
  reason: reason.optional(),
});
/** Parsed {@link updateFlagSchema}. */
export type UpdateFlagInput = z.infer<typeof updateFlagSchema>;

/** POST /api/apps/:appId/flags/:flagKey/toggle */
export const toggleFlagSchema = z.strictObject({
  active: z.boolean(),
  version: version.optional(),
  reason: reason.optional(),
});
/** Parsed {@link toggleFlagSchema}. */
export type ToggleFlagInput = z.infer<typeof toggleFlagSchema>;

/** DELETE body is optional; `version` may also come from If-Match. */
export const deleteFlagSchema = z.strictObject({ version: version.optional() });
