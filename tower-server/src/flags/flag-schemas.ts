import { MAX_REASON_LENGTH, TOKEN_PATTERN } from '@tailslide/contracts';
import { z } from 'zod';
import { idString, percentage, title } from '../validation.js';

const DAY_MS = 86_400_000;

/** A partial set of circuit settings; limits keep Airbag's windows inside the data it keeps. */
export const circuitPatchSchema = z
  .strictObject({
    enabled: z.boolean(),
    errorThresholdPercentage: percentage(2).refine((v) => v > 0, {
      message: 'must be greater than 0',
    }),
    minimumRequests: z.int().min(1).max(1_000_000),
    // Airbag reads 1 s buckets kept 2 h, so a window longer than 1 h could not be computed.
    windowMs: z.int().min(1_000).max(3_600_000),
    recoveryDelayMs: z.int().min(0).max(DAY_MS),
    recoveryProfile: z.enum(['linear', 'exponential']),
    initialRecoveryPercentage: percentage(2).refine((v) => v > 0, {
      message: 'must be greater than 0',
    }),
    recoveryIncrementPercentage: z
      .number()
      .gt(0)
      .max(1000)
      .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6, {
        message: 'must be a multiple of 0.01',
      }),
    recoveryStepMs: z.int().min(1_000).max(DAY_MS),
    slowCallMs: z.int().min(1).max(3_600_000).nullable(),
  })
  .partial();
/** Parsed {@link circuitPatchSchema}. */
export type CircuitPatch = z.infer<typeof circuitPatchSchema>;

const whitelist = z.array(z.string().min(1).max(256)).max(10_000);
const alertWebhookIds = z.array(idString).max(100);
const description = z.string().max(2_000);
const rollout = percentage(1);
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
