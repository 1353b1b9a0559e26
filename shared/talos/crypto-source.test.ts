import { createPrivateKey, createPublicKey, verify } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { seededCryptoSource, systemCryptoSource } from './crypto-source.js';
import { rfc6979Nonce, signEcdsaP256Deterministic } from './ecdsa-rfc6979.js';

// RFC 6979 appendix A.2.5: ECDSA, 256 bits (prime field), SHA-256, message "sample".
const A25 = {
  x: 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721',
  ux: '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6',
  uy: '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
  k: 'a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60',
  r: 'efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716',
  s: 'f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8',
};

function a25Key() {
  const b64u = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');
  return createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b64u(A25.x), x: b64u(A25.ux), y: b64u(A25.uy) },
    format: 'jwk',
  });
}

describe('RFC 6979 ECDSA', () => {
  it('derives the nonce of the RFC 6979 A.2.5 test vector', async () => {
    const { createHash } = await import('node:crypto');
    const h1 = createHash('sha256').update('sample').digest();
    expect(rfc6979Nonce(BigInt(`0x${A25.x}`), h1).toString(16)).toBe(A25.k);
  });

  it('signs the RFC 6979 A.2.5 vector to the published r and s, which OpenSSL verifies', () => {
    const key = a25Key();
    const sig = Buffer.from(signEcdsaP256Deterministic(key, Buffer.from('sample')));
    expect(sig.subarray(0, 32).toString('hex')).toBe(A25.r);
    expect(sig.subarray(32).toString('hex')).toBe(A25.s);
    const ok = verify('sha256', Buffer.from('sample'), { key: createPublicKey(key), dsaEncoding: 'ieee-p1363' }, sig);
    expect(ok).toBe(true);
  });
});

describe('seededCryptoSource', () => {
  it('repeats bytes and keys for the same seed and differs for another', async () => {
    const [a, b, c] = [seededCryptoSource('one'), seededCryptoSource('one'), seededCryptoSource('two')];
    expect(Buffer.from(a.randomBytes(40))).toEqual(Buffer.from(b.randomBytes(40)));
    const [ka, kb, kc] = await Promise.all([
      a.generateKey('ecdsa-p256'),
      b.generateKey('ecdsa-p256'),
      c.generateKey('ecdsa-p256'),
    ]);
    expect(ka.export({ format: 'jwk' })).toEqual(kb.export({ format: 'jwk' }));
    expect(ka.export({ format: 'jwk' }).d).not.toBe(kc.export({ format: 'jwk' }).d);
  });

  it('makes Ed25519 keys whose signatures verify', async () => {
    const source = seededCryptoSource('ed');
    const key = await source.generateKey('ed25519');
    const sig = source.sign(key, Buffer.from('hello'));
    expect(verify(null, Buffer.from('hello'), createPublicKey(key), sig)).toBe(true);
  });

  it('refuses RSA when no key was injected', async () => {
    await expect(seededCryptoSource('x').generateKey('rsa-4096')).rejects.toThrow(/no injected RSA-4096 key/);
  });
});

describe('systemCryptoSource', () => {
  it('signs ECDSA with random nonces that still verify', async () => {
    const key = await systemCryptoSource.generateKey('ecdsa-p256');
    const one = systemCryptoSource.sign(key, Buffer.from('m'));
    const two = systemCryptoSource.sign(key, Buffer.from('m'));
    expect(Buffer.from(one).equals(Buffer.from(two))).toBe(false);
    expect(verify('sha256', Buffer.from('m'), { key: createPublicKey(key), dsaEncoding: 'ieee-p1363' }, one)).toBe(
      true,
    );
  });
});
