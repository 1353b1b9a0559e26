import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAdminKubeconfig } from '../../../agent/talos/kubeconfig.js';
import { createTalosClient, type TalosClient } from '../../../agent/talos/talos-client.js';
import { isTalosError, TalosErrorCodes } from '../../../agent/talos/talos-errors.js';
import { startLabTalosNode, type LabTalosNode } from './talos-lab-fixture.js';

describe('Talos client against the simulated control plane node (mTLS on loopback)', () => {
  let lab: LabTalosNode;
  let client: TalosClient;

  beforeAll(async () => {
    lab = await startLabTalosNode('127.10.0.21');
    client = createTalosClient({ endpoint: lab.node.apiEndpoint, ...lab.admin });
  });
  afterAll(async () => {
    client?.close();
    await lab?.node.close();
  });

  it('reads the node version over mutual TLS 1.3 with an Ed25519 os:admin certificate', async () => {
    const version = await client.version();
    expect(version.tag).toBe('v1.11.0');
    expect(version.platform).toEqual({ name: 'metal', mode: 'metal' });
    expect(version.rbac).toBe(true);
  });

  it('sends the node metadata and is refused when it names a node the endpoint cannot reach', async () => {
    const proxied = createTalosClient({ endpoint: lab.node.apiEndpoint, ...lab.admin, node: '127.10.0.99' });
    try {
      await expect(proxied.version()).rejects.toMatchObject({ code: TalosErrorCodes.Unreachable });
      const direct = createTalosClient({ endpoint: lab.node.apiEndpoint, ...lab.admin, node: lab.node.ip });
      await expect(direct.version()).resolves.toMatchObject({ tag: 'v1.11.0' });
      direct.close();
    } finally {
      proxied.close();
    }
  });

  it('bootstraps etcd once, and reports a second bootstrap (AlreadyExists) as already done', async () => {
    expect(await client.bootstrap(Date.now() + 10_000)).toBe('bootstrapped');
    expect(lab.node.bootstrapped).toBe(true);
    expect(await client.bootstrap(Date.now() + 10_000)).toBe('already');
    expect(lab.node.bootstrapCalls).toBe(1);
  });

  it('downloads the admin kubeconfig signed by the cluster CA for CN=admin, O=system:masters', async () => {
    const yaml = await client.kubeconfig();
    const creds = parseAdminKubeconfig(yaml);
    expect(creds.clusterName).toBe('rackpilot-it');
    expect(creds.server).toBe(lab.node.config.endpoint.href.replace(/\/$/, ''));
    expect(yaml).toContain('current-context: admin@rackpilot-it');
    const ca = new X509Certificate(lab.secrets.kubernetesCa.certPem);
    const cert = new X509Certificate(creds.certPem);
    expect(creds.caPem.trim()).toBe(lab.secrets.kubernetesCa.certPem.trim());
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subject.split('\n').sort()).toEqual(['CN=admin', 'O=system:masters']);
    expect(creds.keyPem).toContain('-----BEGIN EC PRIVATE KEY-----');
  });

  it('applies a machine config: STAGED keeps it for the next boot, NO_REBOOT applies it now, dry runs change nothing', async () => {
    const changed = lab.machineConfigYaml.replace('certSANs: []', 'certSANs:\n    - talos.example.test');
    expect(changed).not.toBe(lab.machineConfigYaml);
    const dry = await client.applyConfiguration(changed, 'NO_REBOOT', { dryRun: true });
    expect(dry.details).toMatch(/Dry run/);
    expect(lab.node.config.machineCertSans).toEqual([]);
    const staged = await client.applyConfiguration(changed, 'STAGED');
    expect(staged.mode).toBe('STAGED');
    expect(lab.node.stagedConfigYaml).toBe(changed);
    const applied = await client.applyConfiguration(changed, 'AUTO');
    expect(applied.mode).toBe('NO_REBOOT');
    expect(lab.node.config.machineCertSans).toEqual(['talos.example.test']);
  });

  it('refuses an invalid machine config with TalosRequestRejected', async () => {
    const error = await client
      .applyConfiguration('version: v1alpha1\nmachine: {}\n', 'AUTO')
      .catch((err: unknown) => err);
    expect(isTalosError(error, TalosErrorCodes.RequestRejected)).toBe(true);
    expect((error as Error).message).toMatch(/failed to parse config/);
  });
});
