import type { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { systemCryptoSource, type CryptoSource, type KeyKind } from './crypto-source.js';
import { KeyPool } from './key-pool.js';

/** The system source, counting the keys it generates. */
function counting(): CryptoSource & { generated: KeyKind[] } {
  const generated: KeyKind[] = [];
  return {
    generated,
    randomBytes: systemCryptoSource.randomBytes,
    sign: systemCryptoSource.sign,
    generateKey(kind) {
      generated.push(kind);
      return systemCryptoSource.generateKey(kind);
    },
  };
}

describe('KeyPool', () => {
  it('generates the pooled kinds ahead of time and refills behind every key taken', async () => {
    const base = counting();
    const pool = new KeyPool(base, { 'ecdsa-p256': 2 });
    expect(base.generated).toEqual(['ecdsa-p256', 'ecdsa-p256']);
    const first = await pool.generateKey('ecdsa-p256');
    expect(base.generated).toHaveLength(3);
    const second = await pool.generateKey('ecdsa-p256');
    expect(first.asymmetricKeyType).toBe('ec');
    expect(first.export({ format: 'jwk' }).d).not.toBe(second.export({ format: 'jwk' }).d);
  });

  it('hands out each key once: no two callers share a private key', async () => {
    const pool = new KeyPool(systemCryptoSource, { ed25519: 1 });
    const keys: KeyObject[] = await Promise.all(Array.from({ length: 5 }, () => pool.generateKey('ed25519')));
    const secrets = new Set(keys.map((k) => k.export({ format: 'jwk' }).d));
    expect(secrets.size).toBe(5);
  });

  it('generates kinds it does not pool on demand, and signs and draws randomness through its base', async () => {
    const base = counting();
    const pool = new KeyPool(base, {});
    const key = await pool.generateKey('ed25519');
    expect(base.generated).toEqual(['ed25519']);
    expect(pool.randomBytes(16)).toHaveLength(16);
    expect(pool.sign(key, new Uint8Array([1, 2, 3]))).toHaveLength(64);
  });
});
