import { z } from 'zod';
import { title } from '../validation.js';

/** POST /api/sdk-keys */
export const createSdkKeySchema = z.strictObject({ name: title });
