import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

import { ValidationError } from '../errors.js';
import { systemCryptoSource } from './crypto-source.js';
import { ADMIN_CERT_VALIDITY_MS, generateAdminKubeconfig, verifyFetchedKubeconfig } from './kubeconfig.js';
import { issueCertificate, toPkcs8Pem } from './pki.js';
import { generateSecretsBundle, type TalosSecretsBundle } from './secrets-bundle.js';
import { FIXED_NOW, fixtureRsaKey, opensslVerify, sampleClusterInput, testBundle, testSource } from './test-helpers.js';
import { validateClusterInput } from './validate-cluster-input.js';

const input = validateClusterInput(sampleClusterInput());
type KubeDoc = { clusters: { cluster: Record<string, string> }[]; users: { user: Record<string, string> }[] };

/** A stand-in kube-apiserver on 127.0.0.1: /readyz answers only clients with a certificate from the Kubernetes CA. */
async function startApiServer(bundle: TalosSecretsBundle): Promise<{ server: Server; url: string }> {
  const now = new Date();
  const serving = await issueCertificate(
    bundle.certs.k8s,
    { commonName: 'kube-apiserver' },
    {
      notBefore: now,
      notAfter: new Date(now.getTime() + 3_600_000),
      keyUsages: ['digitalSignature'],
      extKeyUsages: ['serverAuth'],
      ipAddresses: ['127.0.0.1'],
    },
    systemCryptoSource,
  );
  const server = createServer(
    {
      cert: serving.crt,
      key: toPkcs8Pem(serving.key),
      ca: bundle.certs.k8s.crt,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      if (!socket.authorized || req.url !== '/readyz') {
        res.writeHead(401).end('Unauthorized');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end(`ok ${String(peer.subject.CN)}/${String(peer.subject.O)}`);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** GET /readyz with the kubeconfig's credentials, as a Kubernetes client does. */
function readyz(url: string, yamlText: string): Promise<{ status: number; body: string }> {
  const doc = parse(yamlText) as KubeDoc;
  const b = (v: string | undefined) => Buffer.from(v ?? '', 'base64').toString();
  return new Promise((resolve, reject) => {
    const req = request(`${url}/readyz`, {
      ca: b(doc.clusters[0]?.cluster['certificate-authority-data']),
      cert: b(doc.users[0]?.user['client-certificate-data']),
      key: b(doc.users[0]?.user['client-key-data']),
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('admin kubeconfig', () => {
  let bundle: TalosSecretsBundle;
  let api: Awaited<ReturnType<typeof startApiServer>>;
  beforeAll(async () => {
    bundle = await testBundle();
    api = await startApiServer(bundle);
  });
  afterAll(() => new Promise<void>((resolve) => api.server.close(() => resolve())));

  it('names cluster, user and context admin@<cluster> and points at the control plane endpoint', async () => {
    const { yaml, client } = await generateAdminKubeconfig(input, bundle, {
      source: testSource('kube'),
      now: () => FIXED_NOW,
    });
    const doc = parse(yaml) as Record<string, unknown> & KubeDoc;
    expect(doc['current-context']).toBe('admin@lab');
    expect(doc.contexts).toEqual([
      { name: 'admin@lab', context: { cluster: 'lab', namespace: 'default', user: 'admin@lab' } },
    ]);
    expect(doc.clusters[0]?.cluster.server).toBe('https://127.10.0.11:6443');
    const cert = new X509Certificate(client.crt);
    expect(cert.subject).toBe('O=system:masters\nCN=admin');
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(new Date(cert.validFrom).getTime()).toBe(FIXED_NOW.getTime() - 10_000);
    expect(new Date(cert.validTo).getTime()).toBe(FIXED_NOW.getTime() + ADMIN_CERT_VALIDITY_MS);
    expect(opensslVerify(bundle.certs.k8s.crt, client.crt, FIXED_NOW)).toContain(': OK');
  });

  it('authenticates against an HTTPS server that trusts the Kubernetes CA', async () => {
    const { yaml } = await generateAdminKubeconfig(input, bundle, { server: api.url });
    await expect(readyz(api.url, yaml)).resolves.toEqual({ status: 200, body: 'ok admin/system:masters' });
  });

  it.skipIf(!existsSync('/usr/bin/kubectl'))('is read by kubectl, which calls /readyz with it', async () => {
    const { yaml } = await generateAdminKubeconfig(input, bundle, { server: api.url });
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    try {
      writeFileSync(join(dir, 'config'), yaml, { mode: 0o600 });
      const { stdout } = await promisify(execFile)('kubectl', [
        '--kubeconfig',
        join(dir, 'config'),
        'get',
        '--raw',
        '/readyz',
      ]);
      expect(stdout.trim()).toBe('ok admin/system:masters');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts a fetched kubeconfig issued by the cluster CA', async () => {
    const { yaml } = await generateAdminKubeconfig(input, bundle);
    const verified = verifyFetchedKubeconfig(yaml, bundle);
    expect(verified).toMatchObject({ context: 'admin@lab', server: 'https://127.10.0.11:6443' });
  });

  it('refuses a fetched kubeconfig from another cluster, a swapped CA and a mismatched key', async () => {
    const other = await generateSecretsBundle({ keys: { k8sServiceAccount: fixtureRsaKey() } });
    const foreign = (await generateAdminKubeconfig(input, other)).yaml;
    expect(() => verifyFetchedKubeconfig(foreign, bundle)).toThrow(/CA data does not include/);

    const doc = parse(foreign) as KubeDoc;
    doc.clusters[0]!.cluster['certificate-authority-data'] = Buffer.from(bundle.certs.k8s.crt).toString('base64');
    expect(() => verifyFetchedKubeconfig(stringify(doc), bundle)).toThrow(/not signed by the cluster's Kubernetes CA/);

    const ours = parse((await generateAdminKubeconfig(input, bundle)).yaml) as KubeDoc;
    ours.users[0]!.user['client-key-data'] = doc.users[0]!.user['client-key-data']!;
    const err = (() => {
      try {
        return verifyFetchedKubeconfig(stringify(ours), bundle);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).code).toBe('KUBECONFIG_UNTRUSTED');
    expect((err as ValidationError).details).toEqual([
      { field: 'users.user.client-key-data', problem: 'client key does not match the client certificate' },
    ]);
  });

  it('refuses garbage with KUBECONFIG_UNTRUSTED instead of a parser error', () => {
    const garbage = stringify({
      clusters: [
        {
          name: 'lab',
          cluster: {
            server: 'https://x',
            'certificate-authority-data': Buffer.from(bundle.certs.k8s.crt).toString('base64'),
          },
        },
      ],
      users: [{ name: 'u', user: { 'client-certificate-data': 'bm90IGEgY2VydA==', 'client-key-data': 'eA==' } }],
      contexts: [{ name: 'c', context: { cluster: 'lab', user: 'u' } }],
      'current-context': 'c',
    });
    expect(() => verifyFetchedKubeconfig(garbage, bundle)).toThrow(
      expect.objectContaining({ code: 'KUBECONFIG_UNTRUSTED' }),
    );
  });

  it('refuses an expired client certificate', async () => {
    const { yaml } = await generateAdminKubeconfig(input, bundle, { now: () => FIXED_NOW });
    expect(() => verifyFetchedKubeconfig(yaml, bundle, new Date('2030-01-01T00:00:00Z'))).toThrow(/not valid at/);
  });
});
