import { argon2id, hash, needsRehash as argon2NeedsRehash, verify } from 'argon2';

/**
 * argon2id at OWASP's first recommended setting (Password Storage Cheat Sheet: m = 19 MiB, t = 2,
 * p = 1), about 0.2 s on one core. The parameters live in each PHC hash string, so raising them
 * later still verifies old hashes; {@link needsRehash} tells when to re-hash at login.
 */
export const PASSWORD_HASH_OPTIONS = {
  type: argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Hashes a password (argon2id, random salt). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH_OPTIONS);
}

/** True when `password` matches `hash`; a malformed hash is a mismatch, never a throw. */
export async function verifyPassword(digest: string, password: string): Promise<boolean> {
  try {
    return await verify(digest, password);
  } catch {
    return false;
  }
}

/** True when `hash` was made with weaker parameters than {@link PASSWORD_HASH_OPTIONS}. */
export function needsRehash(digest: string): boolean {
  return argon2NeedsRehash(digest, PASSWORD_HASH_OPTIONS);
}

let dummy: Promise<string> | undefined;

/**
 * Verifies against a throwaway hash, so a login for an unknown email takes as long as one for a
 * known email (no user enumeration by timing).
 */
export async function verifyNothing(password: string): Promise<false> {
  dummy ??= hashPassword('tailslide-dummy-password');
  await verifyPassword(await dummy, password);
  return false;
}
