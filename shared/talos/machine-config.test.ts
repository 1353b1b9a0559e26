import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { ValidationError } from '../errors.js';
import { generateMachineConfigs } from './machine-config.js';
import type { TalosSecretsBundle } from './secrets-bundle.js';
import { sampleClusterInput, testBundle } from './test-helpers.js';

/** Reads a value at a dotted Talos config path (`machine.network.interfaces.0.addresses`). */
function at(doc: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], doc);
}

const unb64 = (v: unknown) => Buffer.from(String(v), 'base64').toString('utf8');

describe('generateMachineConfigs', () => {
  let bundle: TalosSecretsBundle;
  let docs: Record<string, unknown>;
  beforeAll(async () => {
    bundle = await testBundle();
    const configs = generateMachineConfigs(sampleClusterInput(), bundle);
    docs = Object.fromEntries(configs.map((c) => [c.hostname, parse(c.yaml) as unknown]));
  });

  it('writes a v1alpha1 document per node with its role', () => {
    expect(Object.keys(docs)).toEqual(['cp-1', 'cp-2', 'worker-1']);
    expect(at(docs['cp-1'], 'version')).toBe('v1alpha1');
    expect(at(docs['cp-1'], 'machine.type')).toBe('controlplane');
    expect(at(docs['worker-1'], 'machine.type')).toBe('worker');
  });

  it('installs on the chosen disk: WWN and serial as a disk selector, a path as install.disk', () => {
    expect(at(docs['cp-1'], 'machine.install.diskSelector')).toEqual({ wwid: '*5000c500a1b2c3d4' });
    expect(at(docs['cp-2'], 'machine.install.diskSelector')).toEqual({ serial: 'S4EWNX0R123456' });
    expect(at(docs['worker-1'], 'machine.install.disk')).toBe('/dev/nvme0n1');
    expect(at(docs['worker-1'], 'machine.install.diskSelector')).toBeUndefined();
    expect(at(docs['cp-1'], 'machine.install.image')).toBe('ghcr.io/siderolabs/installer:v1.10.6');
    expect(at(docs['cp-1'], 'machine.install.wipe')).toBe(false);
  });

  it('configures static networking on the NIC chosen by MAC', () => {
    const doc = docs['cp-1'];
    expect(at(doc, 'machine.network.hostname')).toBe('cp-1');
    expect(at(doc, 'machine.network.interfaces')).toEqual([
      {
        deviceSelector: { hardwareAddr: '52:54:00:aa:00:11' },
        addresses: ['127.10.0.11/24'],
        routes: [{ network: '0.0.0.0/0', gateway: '127.10.0.1' }],
        dhcp: false,
      },
    ]);
    expect(at(doc, 'machine.network.nameservers')).toEqual(['127.10.0.53']);
    expect(at(doc, 'machine.time.servers')).toEqual(['time.lab.example']);
  });

  it('names the cluster, its endpoint (first control plane), versions, SANs and the default CNI', () => {
    for (const doc of Object.values(docs)) {
      expect(at(doc, 'cluster.clusterName')).toBe('lab');
      expect(at(doc, 'cluster.controlPlane.endpoint')).toBe('https://127.10.0.11:6443');
      expect(at(doc, 'machine.kubelet.image')).toBe('ghcr.io/siderolabs/kubelet:v1.33.3');
      expect(at(doc, 'cluster.network.cni')).toEqual({ name: 'flannel' });
      expect(at(doc, 'machine.certSANs')).toEqual(['127.10.0.11', 'api.lab.example', '127.10.0.100']);
    }
    expect(at(docs['cp-1'], 'cluster.apiServer.image')).toBe('registry.k8s.io/kube-apiserver:v1.33.3');
    expect(at(docs['cp-1'], 'cluster.apiServer.certSANs')).toEqual(['127.10.0.11', 'api.lab.example', '127.10.0.100']);
  });

  it('carries the full PKI on control planes', () => {
    const doc = docs['cp-2'];
    expect(unb64(at(doc, 'machine.ca.crt'))).toBe(bundle.certs.os.crt);
    expect(unb64(at(doc, 'machine.ca.key'))).toBe(bundle.certs.os.key);
    expect(unb64(at(doc, 'cluster.ca.key'))).toBe(bundle.certs.k8s.key);
    expect(unb64(at(doc, 'cluster.aggregatorCA.crt'))).toBe(bundle.certs.k8sAggregator.crt);
    expect(unb64(at(doc, 'cluster.serviceAccount.key'))).toBe(bundle.certs.k8sServiceAccount.key);
    expect(unb64(at(doc, 'cluster.etcd.ca.key'))).toBe(bundle.certs.etcd.key);
    expect(at(doc, 'cluster.secretboxEncryptionSecret')).toBe(bundle.secrets.secretboxEncryptionSecret);
    expect(at(doc, 'cluster.token')).toBe(bundle.secrets.bootstrapToken);
    expect(at(doc, 'machine.token')).toBe(bundle.trustdInfo.token);
    expect(at(doc, 'cluster.id')).toBe(bundle.cluster.id);
    expect(at(doc, 'cluster.secret')).toBe(bundle.cluster.secret);
  });

  it('gives workers CA certificates without keys and no control plane secrets', () => {
    const doc = docs['worker-1'];
    expect(unb64(at(doc, 'machine.ca.crt'))).toBe(bundle.certs.os.crt);
    expect(at(doc, 'machine.ca.key')).toBe('');
    expect(unb64(at(doc, 'cluster.ca.crt'))).toBe(bundle.certs.k8s.crt);
    expect(at(doc, 'cluster.ca.key')).toBe('');
    for (const path of [
      'cluster.aggregatorCA',
      'cluster.serviceAccount',
      'cluster.etcd',
      'cluster.secretboxEncryptionSecret',
    ]) {
      expect(at(doc, path), path).toBeUndefined();
    }
    expect(at(doc, 'cluster.token')).toBe(bundle.secrets.bootstrapToken);
  });

  it('schedules workloads on control planes only when the cluster has no workers (a standalone machine)', () => {
    expect(at(docs['cp-1'], 'cluster.allowSchedulingOnControlPlanes')).toBeUndefined();
    const sample = sampleClusterInput();
    const alone = generateMachineConfigs({ ...sample, nodes: [sample.nodes[0]!] }, bundle);
    expect(at(parse(alone[0]!.yaml), 'cluster.allowSchedulingOnControlPlanes')).toBe(true);
  });

  it("applies a node's patches by strategic merge", () => {
    expect(at(docs['worker-1'], 'machine.nodeLabels')).toEqual({ 'rackpilot.io/rack': 'r1' });
    expect(at(docs['cp-1'], 'machine.nodeLabels')).toEqual({
      'node.kubernetes.io/exclude-from-external-load-balancers': '',
    });
  });

  it('uses the VIP as endpoint and puts it on control plane links only', () => {
    const [cp, , worker] = generateMachineConfigs(sampleClusterInput({ vip: '127.10.0.100' }), bundle).map((c) =>
      parse(c.yaml),
    );
    expect(at(cp, 'cluster.controlPlane.endpoint')).toBe('https://127.10.0.100:6443');
    expect(at(cp, 'machine.network.interfaces.0.vip')).toEqual({ ip: '127.10.0.100' });
    expect(at(worker, 'machine.network.interfaces.0.vip')).toBeUndefined();
  });

  it('prefers an explicit endpoint and selects the link by name when no MAC is known', () => {
    const input = sampleClusterInput({ endpoint: 'api.lab.example' });
    input.nodes[0] = { ...input.nodes[0]!, mac: undefined, interface: 'enp1s0' };
    const [cp] = generateMachineConfigs(input, bundle).map((c) => parse(c.yaml));
    expect(at(cp, 'cluster.controlPlane.endpoint')).toBe('https://api.lab.example:6443');
    expect(at(cp, 'machine.network.interfaces.0.interface')).toBe('enp1s0');
  });

  it('refuses inconsistent input before generating anything', () => {
    expect(() => generateMachineConfigs(sampleClusterInput({ gateway: '10.0.0.1' }), bundle)).toThrow(ValidationError);
  });
});
