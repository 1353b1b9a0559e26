/**
 * Deterministic ECDSA P-256/SHA-256 signatures (RFC 6979 §3.2).
 *
 * Used only by the seeded crypto source so that golden files are byte-for-byte reproducible:
 * OpenSSL picks a random nonce for every ECDSA signature, so two runs over the same keys would
 * otherwise differ in every certificate signed by the (ECDSA) Kubernetes, etcd and aggregator CAs.
 * Production signing stays with OpenSSL (`systemCryptoSource`). The point multiplication k·G is
 * delegated to OpenSSL through ECDH (the public key of scalar k is k·G), so only modular arithmetic
 * modulo the group order is done here.
 */
import { createECDH, createHash, createHmac, type KeyObject } from 'node:crypto';

/** Order n of the P-256 base point (SEC 2, secp256r1). */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

/** int2octets: the integer as exactly 32 big-endian bytes. */
function int2octets(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** Modular inverse by Fermat's little theorem (n is prime). */
function invert(a: bigint, m: bigint): bigint {
  let result = 1n;
  let base = mod(a, m);
  let exp = m - 2n;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % m;
    base = (base * base) % m;
    exp >>= 1n;
  }
  return result;
}

/** Returns the RFC 6979 nonce k for private scalar `d` and message hash `h1` (SHA-256, qlen = hlen = 256). */
export function rfc6979Nonce(d: bigint, h1: Uint8Array): bigint {
  const x = int2octets(d);
  const h = int2octets(mod(toBigInt(h1), P256_N));
  const hmac = (key: Buffer, ...parts: Buffer[]): Buffer =>
    createHmac('sha256', key).update(Buffer.concat(parts)).digest();
  let v: Buffer = Buffer.alloc(32, 0x01);
  let k: Buffer = Buffer.alloc(32, 0x00);
  k = hmac(k, v, Buffer.from([0x00]), x, h);
  v = hmac(k, v);
  k = hmac(k, v, Buffer.from([0x01]), x, h);
  v = hmac(k, v);
  for (;;) {
    v = hmac(k, v);
    const candidate = toBigInt(v);
    if (candidate >= 1n && candidate < P256_N) return candidate;
    k = hmac(k, v, Buffer.from([0x00]));
    v = hmac(k, v);
  }
}

/**
 * Signs `data` with a P-256 private key, SHA-256, RFC 6979 nonce. Returns the signature in
 * IEEE P1363 form (r ‖ s, 64 bytes), the form WebCrypto produces.
 */
export function signEcdsaP256Deterministic(privateKey: KeyObject, data: Uint8Array): Uint8Array {
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || jwk.d === undefined) {
    throw new Error('signEcdsaP256Deterministic needs a P-256 private key');
  }
  const d = toBigInt(Buffer.from(jwk.d, 'base64url'));
  const h1 = createHash('sha256').update(data).digest();
  const e = toBigInt(h1);
  // A nonce that yields r = 0 or s = 0 cannot happen with a correct k < n on P-256 except with
  // negligible probability; RFC 6979 would continue the DRBG, we fail loudly instead.
  const k = rfc6979Nonce(d, h1);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(int2octets(k));
  const point = ecdh.getPublicKey(null, 'uncompressed');
  const r = mod(toBigInt(point.subarray(1, 33)), P256_N);
  const s = mod(invert(k, P256_N) * (e + r * d), P256_N);
  if (r === 0n || s === 0n) throw new Error('degenerate ECDSA nonce');
  return new Uint8Array(Buffer.concat([int2octets(r), int2octets(s)]));
}
