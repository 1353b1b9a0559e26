import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretUndecryptableError } from './errors.js';
import { SecretBox, decodeMasterKey, deriveDevMasterKey, secretBoxKeyId } from './secret-box.js';

describe('SecretBox', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);

  it('round-trips text and never yields the same sealed form twice', () => {
    const a = box.seal('ipmi-password-1');
    const b = box.seal('ipmi-password-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('ipmi-password-1');
    expect(box.open(a)).toBe('ipmi-password-1');
    expect(box.open(b)).toBe('ipmi-password-1');
  });

  it('writes v1:<keyId>:<nonce>:<ciphertext+tag> with a 12-byte nonce', () => {
    const [version, keyId, nonce, body] = box.seal('x').split(':');
    expect(version).toBe('v1');
    expect(keyId).toBe(secretBoxKeyId(key));
    expect(Buffer.from(nonce ?? '', 'base64url')).toHaveLength(12);
    expect(Buffer.from(body ?? '', 'base64url')).toHaveLength(1 + 16);
  });

  it('opens secrets sealed under an older key after rotation, and flags them for re-sealing', () => {
    const oldSealed = box.seal('kubeconfig-bytes');
    const rotated = new SecretBox(randomBytes(32), [key]);
    expect(rotated.open(oldSealed)).toBe('kubeconfig-bytes');
    expect(rotated.needsReseal(oldSealed)).toBe(true);
    expect(rotated.needsReseal(rotated.seal('y'))).toBe(false);
  });

  it('refuses a secret sealed under a key it does not know', () => {
    const stranger = new SecretBox(randomBytes(32)).seal('z');
    expect(() => box.open(stranger)).toThrow(SecretUndecryptableError);
  });

  it('refuses a tampered ciphertext', () => {
    const parts = box.seal('talos-secrets').split(':');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join(':'))).toThrow(/failed authentication/);
  });

  it('binds the context: a ciphertext moved to another record does not open', () => {
    const sealed = box.seal('pw', 'asset:a1:bmcPassword');
    expect(box.open(sealed, 'asset:a1:bmcPassword')).toBe('pw');
    expect(() => box.open(sealed, 'asset:a2:bmcPassword')).toThrow(SecretUndecryptableError);
  });

  it('rejects malformed input and keys of the wrong size', () => {
    expect(() => box.open('v1:abc')).toThrow(/Malformed/);
    expect(() => box.open('v2:a:b:c')).toThrow(/Malformed/);
    expect(() => new SecretBox(randomBytes(16))).toThrow(RangeError);
  });
});

describe('decodeMasterKey', () => {
  it('accepts 32 bytes of base64 or base64url', () => {
    const key = randomBytes(32);
    expect(decodeMasterKey(key.toString('base64'))).toEqual(key);
    expect(decodeMasterKey(key.toString('base64url'))).toEqual(key);
  });

  it('refuses other lengths without echoing the key', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => decodeMasterKey(short)).toThrow(/32 bytes, got 16/);
    try {
      decodeMasterKey(short);
    } catch (err) {
      expect((err as Error).message).not.toContain(short);
    }
  });

  it('derives a stable development key per label', () => {
    expect(deriveDevMasterKey('rackpilot')).toEqual(deriveDevMasterKey('rackpilot'));
    expect(deriveDevMasterKey('rackpilot')).not.toEqual(deriveDevMasterKey('other'));
  });
});
