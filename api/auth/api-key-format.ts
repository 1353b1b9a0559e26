import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * API key format: `rp_<keyId>_<secret>`.
 *
 * - `rp_` makes keys recognisable (secret scanners, log greps, humans);
 * - `keyId` (12 × [0-9a-z]) is public: it is the key's id in the API (`/api/v1/api-keys/{id}`),
 *   in the audit log and in rate-limit counters, and it selects the one database record to check;
 * - `secret` (40 × base62, ≈238 bits from the CSPRNG) is shown once at creation or rotation.
 *   Only its SHA-256 is stored: a high-entropy secret needs no slow hash, and a database leak
 *   yields nothing usable. Hashes are compared with `timingSafeEqual`.
 */
export const API_KEY_PATTERN = /^rp_([0-9a-z]{12})_([0-9A-Za-z]{40})$/;

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const SECRET_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Returns `length` characters drawn uniformly from `alphabet` (crypto.randomInt rejects bias). */
function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Returns a new public key id. */
export function newKeyId(): string {
  return randomString(ID_ALPHABET, 12);
}

/** Returns a new secret part. */
export function newKeySecret(): string {
  return randomString(SECRET_ALPHABET, 40);
}

/** Assembles the full key a caller presents. */
export function formatApiKey(keyId: string, secret: string): string {
  return `rp_${keyId}_${secret}`;
}

/** Splits a presented key; returns undefined when it does not have the Rackpilot shape. */
export function parseApiKey(presented: string): { keyId: string; secret: string } | undefined {
  const match = API_KEY_PATTERN.exec(presented);
  if (!match) return undefined;
  return { keyId: match[1] as string, secret: match[2] as string };
}

/** SHA-256 of the secret, hex: what the database stores. */
export function hashKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashKeySecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** The masked form shown in listings: the prefix, id and the secret's last four characters. */
export function maskApiKey(keyId: string, secretLast4: string): string {
  return `rp_${keyId}_${'*'.repeat(8)}${secretLast4}`;
}
