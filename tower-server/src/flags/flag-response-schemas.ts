import {
  CircuitMode,
  CircuitState,
  RecoveryProfile,
  type CircuitSettings,
  type CircuitStatus,
  type FlagDto,
} from '@tailslide/contracts';
import { z } from 'zod';
import { pageOf } from '../paging.js';
import { flagKeyParam, isoTime, rowIdParam } from '../validation.js';

/** `:appId/flags/:flagKey` in a path. */
export const flagParams = z.strictObject({ appId: rowIdParam('app'), flagKey: flagKeyParam });

/** A flag's circuit settings as the API answers them (every setting filled in). */
export const circuitSettingsSchema = z
  .object({
    enabled: z.boolean(),
    errorThresholdPercentage: z.number(),
    minimumRequests: z.int(),
    windowMs: z.int(),
    recoveryDelayMs: z.int(),
    recoveryProfile: z.enum(RecoveryProfile),
    initialRecoveryPercentage: z.number(),
    recoveryIncrementPercentage: z.number(),
    recoveryStepMs: z.int(),
    slowCallMs: z.int().nullable(),
    mode: z.enum(CircuitMode).meta({
      description:
        "'absolute': the on-arm's error rate against the threshold. 'relative': also only when the on-arm's rate exceeds the off-arm's (control) by relativeMarginPoints, with minimumRequests in each arm (ADR 0009).",
    }),
    relativeMarginPoints: z.number().meta({
      description:
        "Percentage points the on-arm's error rate must exceed the off-arm's by (relative mode).",
    }),
  })
  .meta({ id: 'CircuitSettings' }) satisfies z.ZodType<CircuitSettings>;

/** A flag's live circuit state. */
export const circuitStatusSchema = z
  .object({
    state: z.enum(CircuitState),
    recoveryPercentage: z.number().min(0).max(100),
    changedAt: isoTime,
  })
  .meta({ id: 'CircuitStatus' }) satisfies z.ZodType<CircuitStatus>;

/** A flag as the API answers it. */
export const flagSchema = z
  .object({
    id: z.string(),
    appId: z.string(),
    key: z.string(),
    title: z.string(),
    description: z.string(),
    active: z.boolean(),
    rolloutPercentage: z.number().min(0).max(100),
    whitelist: z.array(z.string()).readonly(),
    circuit: circuitSettingsSchema,
    circuitStatus: circuitStatusSchema,
    alertWebhookIds: z.array(z.string()).readonly(),
    version: z.int().min(0),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Flag' }) satisfies z.ZodType<FlagDto>;

/** A page of an app's flags, by key. */
export const flagPageSchema = pageOf(flagSchema, 'FlagPage');
