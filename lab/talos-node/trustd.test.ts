import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs it loaded first
import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as x509 from '@peculiar/x509';
import { afterEach, describe, expect, it } from 'vitest';
import { createTalosClient } from '../../agent/talos/talos-client.js';
import { ExtKeyUsage, generateKeyPair, loadSigningCa, signingAlgorithm } from './pki.js';
import { startTalosNode, type TalosNode } from './talos-node.js';
import {
  buildTestMachineConfig,
  generateTestSecrets,
  issueTalosIdentity,
  type TestClusterSecrets,
} from './test-pki.js';
import { createApiCsr } from './trustd-client.js';
import { loadSecurityService, signWorkerCsr, type CertificateResponse } from './trustd.js';

// Addresses of this file only; every port is ephemeral or picked free, so nothing collides.
const CP_IP = '127.10.0.231';
const WORKER_IP = '127.10.0.232';

const started: TalosNode[] = [];
afterEach(async () => {
  await Promise.allSettled(started.splice(0).map((n) => n.close()));
});

async function controlPlane(secrets: TestClusterSecrets, trustdPort = 0): Promise<TalosNode> {
  const node = await startTalosNode({
    ip: CP_IP,
    machineConfigYaml: buildTestMachineConfig(secrets, { type: 'controlplane', endpoint: `https://${CP_IP}:6443` }),
    apiPort: 0,
    trustdPort,
  });
  started.push(node);
  return node;
}

async function worker(secrets: TestClusterSecrets, trustdEndpoint: string): Promise<TalosNode> {
  const node = await startTalosNode({
    ip: WORKER_IP,
    machineConfigYaml: buildTestMachineConfig(secrets, { type: 'worker', endpoint: `https://${CP_IP}:6443` }),
    apiPort: 0,
    trustdEndpoints: [trustdEndpoint],
  });
  started.push(node);
  return node;
}

/** Calls trustd directly, as a worker would, with the given token metadata (none when undefined). */
function certificate(endpoint: string, caPem: string, token: string | undefined, csrPem: string) {
  const creds = grpc.credentials.createSsl(Buffer.from(caPem));
  const client = new grpc.Client(endpoint, creds);
  const def = loadSecurityService().service.Certificate!;
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set('token', token);
  return new Promise<CertificateResponse>((resolve, reject) => {
    client.makeUnaryRequest(
      def.path,
      def.requestSerialize,
      def.responseDeserialize as (b: Buffer) => CertificateResponse,
      { csr: Buffer.from(csrPem) },
      metadata,
      { deadline: Date.now() + 5_000 },
      (err, reply) => {
        client.close();
        if (err || !reply) reject(err ?? new Error('no reply'));
        else resolve(reply);
      },
    );
  });
}

function freePort(ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, ip, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('trustd on the simulated control plane, and a worker that asks it for its API certificate', () => {
  it('gives a worker whose config has no OS CA key a server certificate for its IP, and the worker serves Version', async () => {
    const secrets = await generateTestSecrets('trustd');
    const cp = await controlPlane(secrets);
    const w = await worker(secrets, cp.trustd!.endpoint);
    await w.apiListening;
    expect(w.config.osCa.keyPem).toBe('');
    expect(cp.trustd!.issued).toBe(1);

    const cert = new x509.X509Certificate(w.apiCertificatePem!);
    expect(await cert.verify({ publicKey: new x509.X509Certificate(secrets.osCa.certPem).publicKey })).toBe(true);
    const sans = cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.map((n) => n.value);
    expect(sans).toContain(WORKER_IP);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([ExtKeyUsage.ServerAuth]);

    const admin = await issueTalosIdentity(secrets.osCa);
    const client = createTalosClient({ endpoint: w.apiEndpoint, ...admin });
    try {
      expect((await client.version()).tag).toBe('v1.11.0');
    } finally {
      client.close();
    }
  });

  it('refuses a call without the token or with a wrong one (Unauthenticated, as Talos)', async () => {
    const secrets = await generateTestSecrets('trustd');
    const cp = await controlPlane(secrets);
    const { csrPem } = await createApiCsr(secrets.osCa.certPem, 'w', [WORKER_IP]);
    const endpoint = cp.trustd!.endpoint;
    await expect(certificate(endpoint, secrets.osCa.certPem, undefined, csrPem)).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      details: 'missing token',
    });
    await expect(certificate(endpoint, secrets.osCa.certPem, 'not-the-token', csrPem)).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      details: 'invalid token',
    });
    await expect(certificate(endpoint, secrets.osCa.certPem, secrets.machineToken, 'junk')).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'failed to decode CSR',
    });
    expect(cp.trustd!.issued).toBe(0);
  });

  it('strips a requested Organization, so a trustd certificate can never carry a Talos role', async () => {
    const secrets = await generateTestSecrets('trustd');
    const cp = await controlPlane(secrets);
    const keys = await generateKeyPair('ed25519');
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=sneaky, O=os:admin',
      keys,
      signingAlgorithm: signingAlgorithm('ed25519'),
    });
    const reply = await certificate(
      cp.trustd!.endpoint,
      secrets.osCa.certPem,
      secrets.machineToken,
      csr.toString('pem'),
    );
    const cert = new x509.X509Certificate(reply.crt.toString('utf8'));
    expect(cert.subject).toBe('CN=sneaky');
    expect(reply.ca.toString('utf8')).toBe(secrets.osCa.certPem);
  });

  it('refuses to sign a CSR whose self-signature does not match its key', async () => {
    const secrets = await generateTestSecrets('trustd');
    const { csrPem } = await createApiCsr(secrets.osCa.certPem, 'w', [WORKER_IP]);
    const der = Buffer.from(new x509.Pkcs10CertificateRequest(csrPem).rawData);
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0xff; // last byte of the signature
    const tampered = x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
    const osCa = await loadSigningCa(secrets.osCa.certPem, secrets.osCa.keyPem);
    expect(await signWorkerCsr(osCa, secrets.osCa.certPem, Buffer.from(tampered))).toMatchObject({
      code: grpc.status.INTERNAL,
      details: expect.stringMatching(/^failed to sign CSR: /),
    });
    expect(await signWorkerCsr(osCa, secrets.osCa.certPem, Buffer.from(csrPem))).toHaveProperty('crt');
  });

  it('keeps asking while no control plane answers, and gets its certificate once one boots', async () => {
    const secrets = await generateTestSecrets('trustd');
    const port = await freePort(CP_IP);
    const w = await worker(secrets, `${CP_IP}:${port}`);
    let up = false;
    void w.apiListening.then(() => (up = true));
    await new Promise((r) => setTimeout(r, 400));
    expect(up).toBe(false);
    await controlPlane(secrets, port);
    await w.apiListening;
    expect(w.apiCertificatePem).toContain('BEGIN CERTIFICATE');
  });

  it('stops asking when the worker is shut down', async () => {
    const secrets = await generateTestSecrets('trustd');
    const w = await worker(secrets, `${CP_IP}:${await freePort(CP_IP)}`);
    const t0 = Date.now();
    await w.close();
    await expect(w.apiListening).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});
