import { z } from 'zod';
import { title } from '../validation.js';

/** POST /api/apps */
export const createAppSchema = z.strictObject({ title });

/** PATCH /api/apps/:appId */
export const updateAppSchema = z.strictObject({ title });
