import { createHash, randomBytes } from 'node:crypto';

/** A 256-bit random secret, base64url, after `prefix`. */
export function randomSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256 (hex) of a random secret, the form sessions and API tokens are stored and looked up in.
 * A fast hash is enough for 256 random bits (no one can search that space); a slow KDF only
 * protects low-entropy secrets such as passwords, and would cost every request.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
