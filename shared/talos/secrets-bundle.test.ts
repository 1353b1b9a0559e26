import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { ValidationError } from '../errors.js';
import { systemCryptoSource } from './crypto-source.js';
import { parsePrivateKey } from './pki.js';
import { CA_VALIDITY_MS, generateSecretsBundle, toTalosctlSecrets, type TalosSecretsBundle } from './secrets-bundle.js';
import { fixtureRsaKey, FIXED_NOW, opensslText, opensslVerify, testBundle } from './test-helpers.js';

const TOKEN = /^[0-9a-z]{6}\.[0-9a-z]{16}$/;

const CAS = [
  { slot: 'etcd', subject: 'O=etcd', keyType: 'ec', keyLabel: 'EC PRIVATE KEY' },
  { slot: 'k8s', subject: 'O=kubernetes', keyType: 'ec', keyLabel: 'EC PRIVATE KEY' },
  { slot: 'k8sAggregator', subject: 'CN=front-proxy', keyType: 'ec', keyLabel: 'EC PRIVATE KEY' },
  { slot: 'os', subject: 'O=talos', keyType: 'ed25519', keyLabel: 'ED25519 PRIVATE KEY' },
] as const;

describe('generateSecretsBundle', () => {
  let bundle: TalosSecretsBundle;
  beforeAll(async () => {
    bundle = await testBundle();
  });

  it('produces kubeadm-style bootstrap and trustd tokens', () => {
    expect(bundle.secrets.bootstrapToken).toMatch(TOKEN);
    expect(bundle.trustdInfo.token).toMatch(TOKEN);
    expect(bundle.trustdInfo.token).not.toBe(bundle.secrets.bootstrapToken);
  });

  it('produces a 32-byte secretbox secret and a 32-byte cluster id and secret', () => {
    expect(Buffer.from(bundle.secrets.secretboxEncryptionSecret, 'base64')).toHaveLength(32);
    expect(bundle.cluster.id).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(Buffer.from(bundle.cluster.id, 'base64url')).toHaveLength(32);
    expect(Buffer.from(bundle.cluster.secret, 'base64')).toHaveLength(32);
  });

  it.each(CAS)('makes the $slot CA self-signed, $subject, $keyType, CA:TRUE, certSign, 10 years', (ca) => {
    const pair = bundle.certs[ca.slot];
    const cert = new X509Certificate(pair.crt);
    expect(cert.subject).toBe(ca.subject);
    expect(cert.issuer).toBe(ca.subject);
    expect(cert.ca).toBe(true);
    expect(cert.publicKey.asymmetricKeyType).toBe(ca.keyType);
    if (ca.keyType === 'ec') expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(new Date(cert.validFrom).getTime()).toBe(FIXED_NOW.getTime());
    expect(new Date(cert.validTo).getTime()).toBe(FIXED_NOW.getTime() + CA_VALIDITY_MS);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const text = opensslText(pair.crt);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toContain('X509v3 Subject Key Identifier');
    expect(opensslVerify(pair.crt, pair.crt)).toContain(': OK');
    expect(pair.key).toContain(`-----BEGIN ${ca.keyLabel}-----`);
    expect(cert.checkPrivateKey(parsePrivateKey(pair.key))).toBe(true);
  });

  it('keeps an RSA-4096 service account key in PKCS#1 PEM', () => {
    const key = createPrivateKey(bundle.certs.k8sServiceAccount.key);
    expect(bundle.certs.k8sServiceAccount.key).toContain('-----BEGIN RSA PRIVATE KEY-----');
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(4096);
  });

  it('gives every CA its own key', () => {
    const publicKeys = CAS.map(
      (ca) => new X509Certificate(bundle.certs[ca.slot].crt).publicKey.export({ format: 'jwk' }).x,
    );
    expect(new Set(publicKeys).size).toBe(CAS.length);
  });

  it('exports the talosctl secrets.yaml layout with base64 PEM', () => {
    const out = toTalosctlSecrets(bundle) as { certs: { os: { crt: string } }; secrets: Record<string, string> };
    expect(Buffer.from(out.certs.os.crt, 'base64').toString()).toBe(bundle.certs.os.crt);
    expect(out.secrets.bootstraptoken).toBe(bundle.secrets.bootstrapToken);
  });

  it('refuses an injected key of the wrong type with a ValidationError naming the slot', async () => {
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const err = await generateSecretsBundle({ keys: { os: ecKey } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).details).toEqual([
      { field: 'keys.os', problem: 'expected ed25519, got ecdsa-p256' },
    ]);
  });

  it('generates fresh, different secrets with the system source (RSA injected to stay fast)', async () => {
    const a = await generateSecretsBundle({ source: systemCryptoSource, keys: { k8sServiceAccount: fixtureRsaKey() } });
    const b = await generateSecretsBundle({ source: systemCryptoSource, keys: { k8sServiceAccount: fixtureRsaKey() } });
    expect(a.cluster.id).not.toBe(b.cluster.id);
    expect(a.certs.os.key).not.toBe(b.certs.os.key);
    expect(a.secrets.bootstrapToken).toMatch(TOKEN);
    expect(opensslVerify(a.certs.k8s.crt, a.certs.k8s.crt)).toContain(': OK');
  });
});
