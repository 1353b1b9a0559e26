import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { normalizePrivateKeyPem } from '../../agent/talos/talos-credentials.js';

/**
 * X.509 issuing for the simulated Talos node, mirroring what siderolabs/crypto does on a real
 * node: a leaf gets the same key family as its CA (Ed25519 under the Ed25519 OS CA, ECDSA P-256
 * under the ECDSA Kubernetes CA), keys are PEM-encoded the way Talos writes them.
 */

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ED25519 = { name: 'Ed25519' } as const;
const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const ECDSA_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** OIDs of the extended key usages Talos and Kubernetes check. */
export const ExtKeyUsage = { ServerAuth: '1.3.6.1.5.5.7.3.1', ClientAuth: '1.3.6.1.5.5.7.3.2' } as const;

/** A CA able to sign: its certificate and private key. */
export interface SigningCa {
  cert: x509.X509Certificate;
  certPem: string;
  privateKey: CryptoKey;
  family: 'ed25519' | 'ecdsa';
}

/** A PEM certificate and key. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

function family(keyPem: string): SigningCa['family'] {
  const type = createPrivateKey(normalizePrivateKeyPem(keyPem)).asymmetricKeyType;
  if (type === 'ed25519') return 'ed25519';
  if (type === 'ec') return 'ecdsa';
  throw new Error(`unsupported CA key type ${type ?? 'unknown'} (Talos uses Ed25519 or ECDSA)`);
}

/** Loads a CA from PEM; the key may use any label Talos writes (`ED25519 PRIVATE KEY`, `EC PRIVATE KEY`). */
export async function loadSigningCa(certPem: string, keyPem: string): Promise<SigningCa> {
  const keyFamily = family(keyPem);
  const der = createPrivateKey(normalizePrivateKeyPem(keyPem)).export({ type: 'pkcs8', format: 'der' });
  const algorithm = keyFamily === 'ed25519' ? ED25519 : ECDSA_P256;
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  return { cert: new x509.X509Certificate(certPem), certPem, privateKey, family: keyFamily };
}

/** Encodes a private key the way siderolabs/crypto does (`ED25519 PRIVATE KEY` PKCS#8, or SEC1 `EC PRIVATE KEY`). */
export async function exportTalosKeyPem(privateKey: CryptoKey, keyFamily: SigningCa['family']): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', privateKey));
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  if (keyFamily === 'ecdsa') return key.export({ type: 'sec1', format: 'pem' }).toString();
  return key
    .export({ type: 'pkcs8', format: 'pem' })
    .toString()
    .replace(/PRIVATE KEY-----/g, 'ED25519 PRIVATE KEY-----');
}

/** The WebCrypto signing algorithm of a key family (Ed25519, or ECDSA with SHA-256). */
export function signingAlgorithm(keyFamily: SigningCa['family']): typeof ED25519 | typeof ECDSA_SIGN {
  return keyFamily === 'ed25519' ? ED25519 : ECDSA_SIGN;
}

/** The key family of a certificate's public key; thrown for anything but Ed25519 and ECDSA. */
export function certificateKeyFamily(certPem: string): SigningCa['family'] {
  const name = new x509.X509Certificate(certPem).publicKey.algorithm.name;
  if (name === 'Ed25519') return 'ed25519';
  if (name === 'ECDSA') return 'ecdsa';
  throw new Error(`unsupported CA key algorithm ${name} (Talos uses Ed25519 or ECDSA)`);
}

/** Generates a key pair of the given family. */
export async function generateKeyPair(keyFamily: SigningCa['family']): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(keyFamily === 'ed25519' ? ED25519 : ECDSA_P256, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive
  return bytes.toString('hex');
}

/** What a leaf certificate says. */
export interface LeafSpec {
  /** RFC 4514 subject, e.g. `CN=admin, O=system:masters`, or the JSON form of a parsed name. */
  subject: string | x509.JsonName;
  /** DNS names and IP addresses for the SAN extension. */
  sans?: string[];
  extKeyUsages: string[];
  /** Key usage flags; digital signature + key encipherment (siderolabs/crypto's default) unless given. */
  keyUsages?: x509.KeyUsageFlags;
  lifetimeMs?: number;
}

/** Signs a certificate for `publicKey` (a key of ours, or the one a CSR carries) with `ca`. */
export async function signCertificate(
  ca: SigningCa,
  spec: LeafSpec,
  publicKey: CryptoKey | x509.PublicKey,
): Promise<x509.X509Certificate> {
  const now = Date.now();
  const keyUsages = spec.keyUsages ?? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(keyUsages, true),
    new x509.ExtendedKeyUsageExtension(spec.extKeyUsages, false),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
  ];
  const sans = spec.sans ?? [];
  if (sans.length > 0) {
    const names = sans.map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value }));
    extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  }
  return x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: spec.subject,
    issuer: ca.cert.subject,
    // Talos back-dates by its allowed clock skew (pkg/kubeconfig/generate.go: 10 s).
    notBefore: new Date(now - 10_000),
    notAfter: new Date(now + (spec.lifetimeMs ?? 365 * 24 * 3600_000)),
    publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: signingAlgorithm(ca.family),
    extensions,
  });
}

/** Issues a leaf certificate (with a fresh key of the CA's family) signed by `ca`. */
export async function issueLeaf(ca: SigningCa, spec: LeafSpec): Promise<PemPair> {
  const keys = await generateKeyPair(ca.family);
  const cert = await signCertificate(ca, spec, keys.publicKey);
  return { certPem: cert.toString('pem'), keyPem: await exportTalosKeyPem(keys.privateKey, ca.family) };
}

/** Creates a self-signed CA (for tests and the lab's secrets), returning PEMs in Talos' encoding. */
export async function createCa(subject: string, keyFamily: SigningCa['family']): Promise<PemPair> {
  const keys = await generateKeyPair(keyFamily);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: subject,
    notBefore: new Date(now - 10_000),
    notAfter: new Date(now + 10 * 365 * 24 * 3600_000),
    keys,
    signingAlgorithm: signingAlgorithm(keyFamily),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportTalosKeyPem(keys.privateKey, keyFamily) };
}
