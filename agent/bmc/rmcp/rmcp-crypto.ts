/**
 * The RMCP+ cryptography (IPMI v2.0 spec §13.28–13.32) for the two cipher suites worth speaking:
 * 3 (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128) and 17 (RAKP-HMAC-SHA256, HMAC-SHA256-128,
 * AES-CBC-128). Pure functions; the only randomness is the IV, which callers may pass in.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Algorithms } from './rmcp-packets.js';

export type CipherSuiteId = 3 | 17;

export interface CipherSuite {
  id: CipherSuiteId;
  hash: 'sha1' | 'sha256';
  algorithms: Algorithms;
  /** Length of the RAKP 2/3 key exchange AuthCodes and of SIK, K1, K2: the full HMAC. */
  hmacLength: number;
  /** Length of the RAKP 4 integrity check value and of every packet's AuthCode (truncated HMAC). */
  truncatedLength: number;
}

export const CIPHER_SUITES: Record<CipherSuiteId, CipherSuite> = {
  3: {
    id: 3,
    hash: 'sha1',
    algorithms: { authentication: 0x01, integrity: 0x01, confidentiality: 0x01 },
    hmacLength: 20,
    truncatedLength: 12,
  },
  17: {
    id: 17,
    hash: 'sha256',
    algorithms: { authentication: 0x03, integrity: 0x04, confidentiality: 0x01 },
    hmacLength: 32,
    truncatedLength: 16,
  },
};

const hmac = (suite: CipherSuite, key: Buffer, ...parts: Buffer[]): Buffer => {
  const mac = createHmac(suite.hash, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/** A 32-bit little-endian field, as IPMI has session ids. */
export const u32 = (value: number): Buffer => {
  const buf = Buffer.alloc(4);
  buf.writeUInt32LE(value >>> 0);
  return buf;
};

/** Kuid: the user's password, zero-padded to the 20 bytes IPMI stores. */
export function userKey(password: string): Buffer {
  const bytes = Buffer.from(password, 'utf8');
  if (bytes.length > 20) throw new RangeError('IPMI passwords are at most 20 bytes');
  const key = Buffer.alloc(20);
  bytes.copy(key);
  return key;
}

/** What both ends know once RAKP 2 has arrived; every HMAC of the handshake is over these. */
export interface HandshakeValues {
  consoleSessionId: number;
  managedSessionId: number;
  consoleRandom: Buffer;
  managedRandom: Buffer;
  managedGuid: Buffer;
  /** RoleM exactly as sent in RAKP 1 (privilege plus lookup bit). */
  role: number;
  username: Buffer;
}

const roleAndName = (v: HandshakeValues): Buffer => Buffer.from([v.role, v.username.length, ...v.username]);

/** The AuthCode the BMC must have put in RAKP 2 if it knows the password. */
export function rakp2AuthCode(suite: CipherSuite, kuid: Buffer, v: HandshakeValues): Buffer {
  return hmac(
    suite,
    kuid,
    u32(v.consoleSessionId),
    u32(v.managedSessionId),
    v.consoleRandom,
    v.managedRandom,
    v.managedGuid,
    roleAndName(v),
  );
}

/** The AuthCode the console proves itself with in RAKP 3. */
export function rakp3AuthCode(suite: CipherSuite, kuid: Buffer, v: HandshakeValues): Buffer {
  return hmac(suite, kuid, v.managedRandom, u32(v.consoleSessionId), roleAndName(v));
}

/** Session Integrity Key. Kg (the BMC key) is unset on the BMCs we drive, so Kuid stands in for it. */
export function sessionIntegrityKey(suite: CipherSuite, kuid: Buffer, v: HandshakeValues): Buffer {
  return hmac(suite, kuid, v.consoleRandom, v.managedRandom, roleAndName(v));
}

/** The integrity check value the BMC must have put in RAKP 4. */
export function rakp4IntegrityCheckValue(suite: CipherSuite, sik: Buffer, v: HandshakeValues): Buffer {
  return hmac(suite, sik, v.consoleRandom, u32(v.managedSessionId), v.managedGuid).subarray(0, suite.truncatedLength);
}

/** Keys of an open session: K1 signs packets, the first 16 bytes of K2 encrypt payloads. */
export interface SessionKeys {
  suite: CipherSuite;
  k1: Buffer;
  aesKey: Buffer;
}

export function sessionKeys(suite: CipherSuite, sik: Buffer): SessionKeys {
  const constant = (byte: number): Buffer => Buffer.alloc(suite.hmacLength, byte);
  return {
    suite,
    k1: hmac(suite, sik, constant(0x01)),
    aesKey: hmac(suite, sik, constant(0x02)).subarray(0, 16),
  };
}

/** The packet AuthCode: HMAC with K1 over the signed part, truncated (SHA1-96 / SHA256-128). */
export function packetAuthCode(keys: SessionKeys, covered: Buffer): Buffer {
  return hmac(keys.suite, keys.k1, covered).subarray(0, keys.suite.truncatedLength);
}

/** Constant-time comparison that is also false for different lengths. */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * AES-CBC-128 payload (spec §13.29): IV, then the ciphertext of plaintext + pad bytes 1, 2, 3…
 * + pad length, filling to a 16-byte block. Not PKCS#7, hence no automatic padding.
 */
export function encryptPayload(aesKey: Buffer, plaintext: Buffer, iv: Buffer = randomBytes(16)): Buffer {
  const padLength = (16 - ((plaintext.length + 1) % 16)) % 16;
  const pad = Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1));
  const cipher = createCipheriv('aes-128-cbc', aesKey, iv).setAutoPadding(false);
  const body = Buffer.concat([plaintext, pad, Buffer.from([padLength])]);
  return Buffer.concat([iv, cipher.update(body), cipher.final()]);
}

export class DecryptError extends Error {}

export function decryptPayload(aesKey: Buffer, payload: Buffer): Buffer {
  if (payload.length < 32 || payload.length % 16 !== 0)
    throw new DecryptError(`AES-CBC-128 payload of ${payload.length} bytes is not IV plus whole blocks`);
  const decipher = createDecipheriv('aes-128-cbc', aesKey, payload.subarray(0, 16)).setAutoPadding(false);
  const body = Buffer.concat([decipher.update(payload.subarray(16)), decipher.final()]);
  const padLength = body.readUInt8(body.length - 1);
  if (padLength > 15) throw new DecryptError('AES-CBC-128 pad length over 15');
  const end = body.length - 1 - padLength;
  // The pad bytes are 1, 2, 3…; a mismatch means a wrong key or a damaged packet.
  for (let i = 0; i < padLength; i += 1)
    if (body.readUInt8(end + i) !== i + 1) throw new DecryptError('AES-CBC-128 pad bytes are not 1, 2, 3…');
  return Buffer.from(body.subarray(0, end));
}
