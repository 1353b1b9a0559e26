/**
 * X.509 certificates and PEM keys shaped like the ones Talos makes with
 * github.com/siderolabs/crypto/x509 (v0.6.0, used by Talos v1.10): CAs carry KeyUsage
 * certSign|digitalSignature (critical), ExtKeyUsage serverAuth+clientAuth, BasicConstraints CA
 * (critical) and a SHA-1 SubjectKeyIdentifier; leaves carry the issuer's key id as
 * AuthorityKeyIdentifier. Serial numbers are 128 random bits. Subjects list O before CN, each a
 * PrintableString, as Go's pkix.Name does. Certificates are built by @peculiar/x509; signing goes
 * through the injected CryptoSource so golden files can be reproducible.
 */
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata
// polyfill loaded before the library itself (see the library's README).
import 'reflect-metadata';
import { createHash, createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';

import * as x509 from '@peculiar/x509';

import type { CryptoSource } from './crypto-source.js';

/** A PEM certificate with its PEM private key, as Talos stores CAs (`crt`, `key`). */
export interface CertAndKey {
  crt: string;
  key: string;
}

/** Subject of a certificate: Go puts organizations first, then the common name. */
export interface Subject {
  organizations?: string[];
  commonName?: string;
}

/** Key usages Talos certificates use. */
export type KeyUsageName = 'digitalSignature' | 'keyEncipherment' | 'keyCertSign';
/** Extended key usages Talos certificates use. */
export type ExtKeyUsageName = 'serverAuth' | 'clientAuth';

const KEY_USAGE_FLAGS: Record<KeyUsageName, number> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
};

/**
 * Encodes a private key as PEM the way Talos does: Ed25519 as PKCS#8 under the label
 * `ED25519 PRIVATE KEY`, ECDSA as SEC 1 (`EC PRIVATE KEY`), RSA as PKCS#1 (`RSA PRIVATE KEY`).
 */
export function privateKeyToPem(key: KeyObject): string {
  if (key.asymmetricKeyType === 'ed25519') {
    const der = key.export({ format: 'der', type: 'pkcs8' });
    return toPem('ED25519 PRIVATE KEY', der);
  }
  if (key.asymmetricKeyType === 'ec') return key.export({ format: 'pem', type: 'sec1' }).toString();
  if (key.asymmetricKeyType === 'rsa') return key.export({ format: 'pem', type: 'pkcs1' }).toString();
  throw new Error(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'}`);
}

/**
 * Parses a PEM private key in any of Talos' formats. OpenSSL does not know the
 * `ED25519 PRIVATE KEY` label (Go's tls.X509KeyPair accepts any `* PRIVATE KEY`), so it is read
 * as the PKCS#8 it contains. Use this before handing a Talos key to node:tls or grpc-js.
 */
export function parsePrivateKey(pem: string): KeyObject {
  return createPrivateKey(pem.replace(/(-----(?:BEGIN|END)) ED25519 PRIVATE KEY-----/g, '$1 PRIVATE KEY-----'));
}

/** Re-encodes any supported private key as PKCS#8 `PRIVATE KEY` PEM, which every TLS stack reads. */
export function toPkcs8Pem(pem: string): string {
  return parsePrivateKey(pem).export({ format: 'pem', type: 'pkcs8' }).toString();
}

function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/** The raw subjectPublicKey bits Go hashes for key identifiers (RFC 5280 §4.2.1.2 method 1). */
function rawPublicKey(key: KeyObject): Buffer {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  if (jwk.kty === 'OKP' && jwk.x) return Buffer.from(jwk.x, 'base64url');
  if (jwk.kty === 'EC' && jwk.x && jwk.y) {
    return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
  }
  throw new Error('key identifiers are computed only for Ed25519 and ECDSA CA keys');
}

/** Returns the hex SHA-1 key identifier of a public key, as Go computes SubjectKeyId. */
export function keyIdentifier(key: KeyObject): string {
  return createHash('sha1').update(rawPublicKey(key)).digest('hex');
}

function subjectName(subject: Subject): x509.Name {
  const rdns: x509.JsonNameParams = [];
  for (const o of subject.organizations ?? []) rdns.push({ O: [{ printableString: o }] });
  if (subject.commonName !== undefined) rdns.push({ CN: [{ printableString: subject.commonName }] });
  return new x509.Name(rdns);
}

async function toWebCryptoKey(key: KeyObject): Promise<webcrypto.CryptoKey> {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const algorithm = key.asymmetricKeyType === 'ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  return webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
}

/**
 * A WebCrypto facade for @peculiar/x509 whose only job is signing the TBSCertificate through the
 * CryptoSource (so ECDSA can be deterministic in tests). Public keys are passed as SPKI bytes and
 * serial numbers explicitly, so the generator calls nothing else.
 */
function signingCrypto(source: CryptoSource, key: KeyObject): webcrypto.Crypto {
  const subtle = {
    sign: async (_alg: unknown, _key: unknown, data: ArrayBuffer | Uint8Array) =>
      source.sign(key, new Uint8Array(data as ArrayBuffer)),
  };
  return { subtle } as unknown as webcrypto.Crypto;
}

/** What a certificate says; the issuer is given separately. */
export interface CertificateSpec {
  subject: Subject;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  keyUsages: KeyUsageName[];
  extKeyUsages: ExtKeyUsageName[];
  /** Subject alternative names (server certificates). */
  ipAddresses?: string[];
  dnsNames?: string[];
}

/** The signer of a certificate: its name and key (the subject's own for a self-signed CA). */
export interface Issuer {
  subject: Subject;
  privateKey: KeyObject;
}

/** Signs a certificate for `spec` by `issuer` and returns it as PEM. */
export async function signCertificate(spec: CertificateSpec, issuer: Issuer, source: CryptoSource): Promise<string> {
  const serial = Buffer.from(source.randomBytes(16));
  serial[0] = (serial[0] ?? 0) & 0x7f; // positive and below 2^128, like Go's rand.Int(2^128)
  const usages = spec.keyUsages.reduce((flags, u) => flags | KEY_USAGE_FLAGS[u], 0);
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(usages, true),
    new x509.ExtendedKeyUsageExtension(spec.extKeyUsages.map((u) => x509.ExtendedKeyUsage[u])),
  ];
  if (spec.isCa) {
    extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
    extensions.push(new x509.SubjectKeyIdentifierExtension(keyIdentifier(spec.publicKey)));
  } else {
    extensions.push(new x509.AuthorityKeyIdentifierExtension(keyIdentifier(issuer.privateKey)));
  }
  const altNames = [
    ...(spec.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(spec.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial.toString('hex'),
      subject: subjectName(spec.subject),
      issuer: subjectName(issuer.subject),
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      publicKey: createPublicKey(spec.publicKey).export({ format: 'der', type: 'spki' }),
      signingKey: await toWebCryptoKey(issuer.privateKey),
      extensions,
    },
    signingCrypto(source, issuer.privateKey),
  );
  return cert.toString('pem') + '\n';
}

/** Creates a self-signed CA (Talos' NewSelfSignedCertificateAuthority) over a key of the source's making. */
export async function createCa(
  subject: Subject,
  privateKey: KeyObject,
  validity: { notBefore: Date; notAfter: Date },
  source: CryptoSource,
): Promise<CertAndKey> {
  const crt = await signCertificate(
    {
      subject,
      publicKey: privateKey,
      ...validity,
      isCa: true,
      keyUsages: ['keyCertSign', 'digitalSignature'],
      extKeyUsages: ['serverAuth', 'clientAuth'],
    },
    { subject, privateKey },
    source,
  );
  return { crt, key: privateKeyToPem(privateKey) };
}

/** Reads the subject of a PEM CA certificate back, to name it as issuer. */
export function caSubject(crtPem: string): Subject {
  const name = new x509.X509Certificate(crtPem).subjectName;
  const organizations = name.getField('O');
  const [commonName] = name.getField('CN');
  return { organizations, ...(commonName === undefined ? {} : { commonName }) };
}

/** Validity, usages and names of a leaf certificate. */
export interface LeafOptions {
  notBefore: Date;
  notAfter: Date;
  keyUsages: KeyUsageName[];
  extKeyUsages: ExtKeyUsageName[];
  ipAddresses?: string[];
  dnsNames?: string[];
}

/**
 * Issues a leaf certificate signed by `ca` for a fresh key from the source and returns both as
 * PEM, like Talos' x509.NewKeyPair (the leaf key type follows the CA's: Ed25519 or P-256).
 */
export async function issueCertificate(
  ca: CertAndKey,
  subject: Subject,
  options: LeafOptions,
  source: CryptoSource,
): Promise<CertAndKey> {
  const caKey = parsePrivateKey(ca.key);
  const leafKey = await source.generateKey(caKey.asymmetricKeyType === 'ed25519' ? 'ed25519' : 'ecdsa-p256');
  const crt = await signCertificate(
    { subject, publicKey: leafKey, ...options, isCa: false },
    { subject: caSubject(ca.crt), privateKey: caKey },
    source,
  );
  return { crt, key: privateKeyToPem(leafKey) };
}

/** Issues a client-auth certificate (talosconfig, admin kubeconfig). */
export function issueClientCertificate(
  ca: CertAndKey,
  subject: Subject,
  options: Omit<LeafOptions, 'extKeyUsages' | 'ipAddresses' | 'dnsNames'>,
  source: CryptoSource,
): Promise<CertAndKey> {
  return issueCertificate(ca, subject, { ...options, extKeyUsages: ['clientAuth'] }, source);
}
