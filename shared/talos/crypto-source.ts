/**
 * Where Talos artefacts get their randomness, keys and ECDSA signatures.
 *
 * Production uses `systemCryptoSource` (OpenSSL's CSPRNG, key generation and signing). Tests and
 * golden files use `seededCryptoSource`, which derives every random byte, Ed25519 and P-256 key
 * from a seed and signs ECDSA with RFC 6979 nonces, so the same seed gives the same bytes.
 * RSA keys cannot be derived from a seed with node:crypto, so a seeded source takes them injected
 * (one pre-generated RSA-4096 key is enough for a bundle).
 */
import {
  createECDH,
  createHmac,
  createPrivateKey,
  generateKeyPair,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';

import { signEcdsaP256Deterministic } from './ecdsa-rfc6979.js';

/** The key types Talos uses: Ed25519 (OS CA, talosconfig client), P-256 (Kubernetes/etcd CAs), RSA-4096 (service accounts). */
export type KeyKind = 'ed25519' | 'ecdsa-p256' | 'rsa-4096';

/** Randomness, key generation and signing used to build a Talos secrets bundle and certificates. */
export interface CryptoSource {
  /** Returns `n` random bytes. */
  randomBytes(n: number): Uint8Array;
  /** Returns a new private key of the given kind. */
  generateKey(kind: KeyKind): Promise<KeyObject>;
  /** Signs `data` with `key` (SHA-256 for ECDSA, pure for Ed25519); ECDSA returns r ‖ s (IEEE P1363). */
  sign(key: KeyObject, data: Uint8Array): Uint8Array;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** Signs with OpenSSL: random ECDSA nonces, so signatures differ between runs. */
function opensslSign(key: KeyObject, data: Uint8Array): Uint8Array {
  if (key.asymmetricKeyType === 'ed25519') return new Uint8Array(sign(null, data, key));
  if (key.asymmetricKeyType === 'ec') return new Uint8Array(sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
  throw new Error(`unsupported signing key type ${key.asymmetricKeyType ?? 'unknown'}`);
}

/** The production source: OpenSSL's CSPRNG, key generation and signing. RSA-4096 takes about a second. */
export const systemCryptoSource: CryptoSource = {
  randomBytes: (n) => new Uint8Array(randomBytes(n)),
  async generateKey(kind) {
    if (kind === 'ed25519') return (await generateKeyPairAsync('ed25519')).privateKey;
    if (kind === 'ecdsa-p256') return (await generateKeyPairAsync('ec', { namedCurve: 'P-256' })).privateKey;
    return (await generateKeyPairAsync('rsa', { modulusLength: 4096, publicExponent: 0x10001 })).privateKey;
  },
  sign: opensslSign,
};

/** Order of the P-256 group: a derived scalar must lie in [1, n-1]. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** Wraps a raw Ed25519 seed in PKCS#8 (RFC 8410) so node:crypto can import it. */
function ed25519FromSeed(seed: Uint8Array): KeyObject {
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({ key: Buffer.concat([prefix, seed]), format: 'der', type: 'pkcs8' });
}

/** Builds a P-256 key from its private scalar; ECDH supplies the public point the JWK needs. */
function p256FromScalar(scalar: Uint8Array): KeyObject {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(scalar));
  const pub = ecdh.getPublicKey(null, 'uncompressed');
  return createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: Buffer.from(scalar).toString('base64url'),
      x: pub.subarray(1, 33).toString('base64url'),
      y: pub.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
}

/**
 * Returns a deterministic source: HMAC-SHA-256 in counter mode over `seed` for random bytes, keys
 * derived from that stream, RFC 6979 ECDSA signatures. For tests and golden files only — the
 * seed is the whole secret. `rsaKeys` are handed out in order for each RSA-4096 request.
 * Thrown when more RSA keys are requested than were injected.
 */
export function seededCryptoSource(seed: string, options: { rsaKeys?: KeyObject[] } = {}): CryptoSource {
  let counter = 0;
  const rsaKeys = [...(options.rsaKeys ?? [])];
  const randomBytesFn = (n: number): Uint8Array => {
    const out = Buffer.alloc(n);
    for (let offset = 0; offset < n; offset += 32) {
      const block = createHmac('sha256', seed).update(String(counter++)).digest();
      block.copy(out, offset, 0, Math.min(32, n - offset));
    }
    return new Uint8Array(out);
  };
  return {
    randomBytes: randomBytesFn,
    async generateKey(kind) {
      if (kind === 'ed25519') return ed25519FromSeed(randomBytesFn(32));
      if (kind === 'ecdsa-p256') {
        for (;;) {
          const scalar = randomBytesFn(32);
          const value = BigInt(`0x${Buffer.from(scalar).toString('hex')}`);
          if (value > 0n && value < P256_N) return p256FromScalar(scalar);
        }
      }
      const key = rsaKeys.shift();
      if (!key) throw new Error('seededCryptoSource: no injected RSA-4096 key left (pass options.rsaKeys)');
      return key;
    },
    sign(key, data) {
      return key.asymmetricKeyType === 'ec' ? signEcdsaP256Deterministic(key, data) : opensslSign(key, data);
    },
  };
}
