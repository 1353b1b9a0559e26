import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { SecretUndecryptableError } from './errors.js';

/**
 * Secrets at rest (BMC passwords, cluster credentials, Talos secrets, kubeconfigs).
 *
 * AES-256-GCM with a fresh random 96-bit nonce per message and a 128-bit tag. The sealed form is
 * one printable string: `v1:<keyId>:<nonce base64url>:<ciphertext‖tag base64url>`.
 * `keyId` is derived from the key itself (first 8 hex digits of a SHA-256 over a domain label and
 * the key), so operators never name keys: rotating means putting the new key in
 * `RACKPILOT_MASTER_KEY` and the old one in `RACKPILOT_MASTER_KEYS_OLD`; everything still opens,
 * new seals use the new key, and `needsReseal()` tells a migration what to re-encrypt.
 *
 * An optional `context` (for example `asset:<id>:bmcPassword`) is bound as additional
 * authenticated data, so a ciphertext copied into another record or field fails to open.
 */
export class SecretBox {
  private readonly primary: { id: string; key: Buffer };
  private readonly keys: Map<string, Buffer>;

  /** `primary` seals; `older` keys only open. Each key is exactly 32 bytes. */
  constructor(primary: Buffer, older: readonly Buffer[] = []) {
    for (const key of [primary, ...older]) {
      if (key.length !== KEY_BYTES) throw new RangeError(`SecretBox keys are ${KEY_BYTES} bytes, got ${key.length}`);
    }
    this.primary = { id: secretBoxKeyId(primary), key: Buffer.from(primary) };
    this.keys = new Map([primary, ...older].map((key) => [secretBoxKeyId(key), Buffer.from(key)]));
  }

  /** Id of the key new seals use. */
  get keyId(): string {
    return this.primary.id;
  }

  /** Encrypts `plaintext`; returns the sealed string. Two seals of the same input differ. */
  seal(plaintext: string | Buffer, context = ''): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.primary.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(this.primary.id, context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.primary.id, nonce.toString('base64url'), body.toString('base64url')].join(':');
  }

  /** Decrypts a sealed string to a Buffer. Throws SecretUndecryptableError when it cannot. */
  openBuffer(sealed: string, context = ''): Buffer {
    const parts = sealed.split(':');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretUndecryptableError('Malformed sealed secret');
    const [, keyId = '', nonceText = '', bodyText = ''] = parts;
    const key = this.keys.get(keyId);
    if (!key) throw new SecretUndecryptableError(`Sealed with unknown key ${keyId}`);
    const nonce = Buffer.from(nonceText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
      throw new SecretUndecryptableError('Malformed sealed secret');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(keyId, context));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new SecretUndecryptableError('Sealed secret failed authentication (tampered, or wrong context)');
    }
  }

  /** Decrypts a sealed string to UTF-8 text. Throws SecretUndecryptableError when it cannot. */
  open(sealed: string, context = ''): string {
    return this.openBuffer(sealed, context).toString('utf8');
  }

  /** True when `sealed` was made with a key other than the primary (re-seal it after rotation). */
  needsReseal(sealed: string): boolean {
    return sealed.split(':')[1] !== this.primary.id;
  }
}

const VERSION = 'v1';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Returns the public id of a key: 8 hex digits, safe to log and store beside ciphertexts. */
export function secretBoxKeyId(key: Buffer): string {
  return createHash('sha256').update('rackpilot-secret-box-key-id\0').update(key).digest('hex').slice(0, 8);
}

/**
 * Decodes a base64 (or base64url) master key. Throws RangeError unless it is exactly 32 bytes;
 * the message never includes the key.
 */
export function decodeMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) throw new RangeError('not base64');
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== KEY_BYTES) throw new RangeError(`must decode to ${KEY_BYTES} bytes, got ${key.length}`);
  return key;
}

/** The development-mode key: derived from a fixed label and the database name, so dev data survives restarts. */
export function deriveDevMasterKey(label: string): Buffer {
  return createHash('sha256').update('rackpilot-dev-master-key\0').update(label).digest();
}

/** AAD binds the key id (no downgrade by relabelling) and the caller's context. */
function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`${VERSION}:${keyId}:${context}`, 'utf8');
}
