import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server } from 'node:tls';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { systemCryptoSource } from './crypto-source.js';
import { issueCertificate, toPkcs8Pem, type CertAndKey } from './pki.js';
import { generateSecretsBundle, type TalosSecretsBundle } from './secrets-bundle.js';
import { generateTalosconfig, parseTalosconfig, TALOS_CLIENT_CERT_VALIDITY_MS } from './talosconfig.js';
import {
  FIXED_NOW,
  fixtureRsaKey,
  opensslText,
  opensslVerify,
  sampleClusterInput,
  testBundle,
  testSource,
} from './test-helpers.js';
import { validateClusterInput } from './validate-cluster-input.js';

const input = validateClusterInput(sampleClusterInput());

/** A stand-in for apid: TLS on 127.0.0.1 only, trusting the OS CA, demanding a client certificate. */
async function startApid(bundle: TalosSecretsBundle): Promise<{ server: Server; port: number; seen: string[] }> {
  const now = new Date();
  const serverCert = await issueCertificate(
    bundle.certs.os,
    {},
    {
      notBefore: now,
      notAfter: new Date(now.getTime() + 3_600_000),
      keyUsages: ['digitalSignature'],
      extKeyUsages: ['serverAuth'],
      ipAddresses: ['127.0.0.1'],
    },
    systemCryptoSource,
  );
  const seen: string[] = [];
  const server = createServer(
    {
      cert: serverCert.crt,
      key: toPkcs8Pem(serverCert.key),
      ca: bundle.certs.os.crt,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      seen.push(socket.getPeerCertificate().subject.O as string);
      socket.end('ok');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

/** Connects with a client certificate and resolves to what the server sent, or rejects on a TLS failure. */
function callApid(port: number, ca: string, client: CertAndKey): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca,
      cert: client.crt,
      key: toPkcs8Pem(client.key),
      servername: '',
    });
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('end', () =>
      data === 'ok' ? resolve(data) : reject(new Error(`server closed the connection (${data})`)),
    );
    socket.on('error', reject);
  });
}

describe('generateTalosconfig', () => {
  let bundle: TalosSecretsBundle;
  let talosconfig: Awaited<ReturnType<typeof generateTalosconfig>>;
  let apid: Awaited<ReturnType<typeof startApid>>;
  beforeAll(async () => {
    bundle = await testBundle();
    talosconfig = await generateTalosconfig(input, bundle, { source: testSource('talosconfig'), now: () => FIXED_NOW });
    apid = await startApid(bundle);
  });
  afterAll(() => new Promise<void>((resolve) => apid.server.close(() => resolve())));

  it('has one context named after the cluster, control-plane endpoints and base64 PEM credentials', () => {
    const doc = parse(talosconfig.yaml) as { context: string; contexts: Record<string, Record<string, unknown>> };
    expect(doc.context).toBe('lab');
    expect(Object.keys(doc.contexts)).toEqual(['lab']);
    expect(doc.contexts.lab?.endpoints).toEqual(['127.10.0.11', '127.10.0.12']);
    const ctx = parseTalosconfig(talosconfig.yaml);
    expect(ctx.ca).toBe(bundle.certs.os.crt);
    expect(ctx.crt).toBe(talosconfig.client.crt);
    expect(ctx.key).toContain('-----BEGIN ED25519 PRIVATE KEY-----');
  });

  it('issues an Ed25519 os:admin client certificate for one year, signed by the OS CA', () => {
    const cert = new X509Certificate(talosconfig.client.crt);
    expect(cert.subject).toBe('O=os:admin');
    expect(cert.issuer).toBe('O=talos');
    expect(cert.ca).toBe(false);
    expect(cert.publicKey.asymmetricKeyType).toBe('ed25519');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(new Date(cert.validFrom).getTime()).toBe(FIXED_NOW.getTime());
    expect(new Date(cert.validTo).getTime()).toBe(FIXED_NOW.getTime() + TALOS_CLIENT_CERT_VALIDITY_MS);
    expect(cert.checkIssued(new X509Certificate(bundle.certs.os.crt))).toBe(true);
    expect(opensslText(talosconfig.client.crt)).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(opensslVerify(bundle.certs.os.crt, talosconfig.client.crt, FIXED_NOW)).toContain(': OK');
  });

  it('is accepted by a TLS server that trusts the OS CA and requires client certificates', async () => {
    // The fixed-clock certificate is valid from 2025-06-01 for a year; use a current one on the wire.
    const live = await generateTalosconfig(input, bundle);
    const ctx = parseTalosconfig(live.yaml);
    await expect(callApid(apid.port, ctx.ca, { crt: ctx.crt, key: ctx.key })).resolves.toBe('ok');
    expect(apid.seen).toContain('os:admin');
  });

  it('is refused by that server when the client certificate comes from another cluster', async () => {
    const other = await generateSecretsBundle({ keys: { k8sServiceAccount: fixtureRsaKey() } });
    const foreign = await generateTalosconfig(input, other);
    const ctx = parseTalosconfig(foreign.yaml);
    await expect(callApid(apid.port, bundle.certs.os.crt, { crt: ctx.crt, key: ctx.key })).rejects.toThrow();
  });
});
