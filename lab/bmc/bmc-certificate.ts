/**
 * The self-signed HTTPS certificate of one lab Redfish BMC, as BMCs ship from the factory: a fresh
 * ECDSA P-256 key, the BMC's IP address (and name) as SANs, valid for a year. The agent trusts it
 * by its SHA-256 fingerprint, the way an operator pins a real BMC's certificate.
 */
import 'reflect-metadata';
import { randomBytes, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { ExtKeyUsage, exportTalosKeyPem, generateKeyPair, signingAlgorithm } from '../talos-node/pki.js';

/** A BMC certificate, its key (SEC1 PEM, which Python's `ssl` loads) and its fingerprint. */
export interface BmcCertificate {
  certPem: string;
  keyPem: string;
  /** `AB:CD:…` (32 upper-case pairs), as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprintSha256: string;
}

/** The SHA-256 fingerprint of a PEM certificate, `AB:CD:…` upper-case. */
export function certificateFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256.toUpperCase();
}

/** Creates a self-signed server certificate for a BMC at `address` (SANs: the address, plus `dnsName` when given). */
export async function createBmcCertificate(address: string, dnsName?: string): Promise<BmcCertificate> {
  const keys = await generateKeyPair('ecdsa');
  const now = Date.now();
  const names = [address, ...(dnsName ? [dnsName] : [])].map((value) => ({
    type: isIP(value) ? ('ip' as const) : ('dns' as const),
    value,
  }));
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // positive
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=${dnsName ?? address}, O=Rackpilot lab BMC`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * 24 * 3600_000),
    keys,
    signingAlgorithm: signingAlgorithm('ecdsa'),
    extensions: [
      // CA:TRUE, as `openssl req -x509` (what most BMC firmware runs) makes it: the certificate
      // then also works as its own trust anchor for a client given it as `caPem`.
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([ExtKeyUsage.ServerAuth], false),
      new x509.SubjectAlternativeNameExtension(names, false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem');
  return {
    certPem,
    keyPem: await exportTalosKeyPem(keys.privateKey, 'ecdsa'),
    fingerprintSha256: certificateFingerprint(certPem),
  };
}
