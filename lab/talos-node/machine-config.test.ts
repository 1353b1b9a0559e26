import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MachineConfigError, parseMachineConfig } from './machine-config.js';
import { buildTestMachineConfig, generateTestSecrets, type TestClusterSecrets } from './test-pki.js';

describe('parseMachineConfig (simulated Talos node)', () => {
  let secrets: TestClusterSecrets;
  const endpoint = 'https://127.10.0.10:6443';

  it('reads type, cluster name, endpoint and decodes the base64 PEM CAs of a control plane config', async () => {
    secrets = await generateTestSecrets('unit');
    const config = parseMachineConfig(
      buildTestMachineConfig(secrets, { type: 'controlplane', endpoint, certSANs: ['a.test'] }),
    );
    expect(config).toMatchObject({
      type: 'controlplane',
      clusterName: 'unit',
      hasEtcdCa: true,
      machineCertSans: ['a.test'],
    });
    expect(config.endpoint.href).toBe(`${endpoint}/`);
    expect(config.osCa.certPem).toBe(secrets.osCa.certPem);
    expect(config.osCa.keyPem).toContain('-----BEGIN ED25519 PRIVATE KEY-----');
    expect(config.kubernetesCa.keyPem).toContain('-----BEGIN EC PRIVATE KEY-----');
    expect(config.apiServerCertSans).toEqual(['127.10.0.10']);
  });

  it('accepts a worker config without CA keys, as talosctl generates it', () => {
    const config = parseMachineConfig(buildTestMachineConfig(secrets, { type: 'worker', endpoint }));
    expect(config.type).toBe('worker');
    expect(config.osCa.keyPem).toBe('');
    expect(config.hasEtcdCa).toBe(false);
  });

  it('finds the v1alpha1 document in a multi-document config', () => {
    const yaml = `apiVersion: v1alpha1\nkind: HostnameConfig\nhostname: cp-1\n---\n${buildTestMachineConfig(secrets, { type: 'controlplane', endpoint })}`;
    expect(parseMachineConfig(yaml).clusterName).toBe('unit');
  });

  it('refuses a control plane config without the OS CA key', () => {
    const yaml = buildTestMachineConfig(secrets, { type: 'controlplane', endpoint }).replace(
      /(\n {2}ca:\n {4}crt: \S+\n {4}key: )\S+/,
      '$1""',
    );
    expect(yaml).toMatch(/\n {2}ca:\n {4}crt: \S+\n {4}key: ""/);
    expect(() => parseMachineConfig(yaml)).toThrow(/must carry machine.ca.key/);
  });

  it('names the offending fields of an invalid config', () => {
    const yaml = stringify({
      version: 'v1alpha1',
      machine: { type: 'router', token: 'x', ca: { crt: 'bm90IHBlbQ==' } },
      cluster: {},
    });
    expect(() => parseMachineConfig(yaml)).toThrow(MachineConfigError);
    expect(() => parseMachineConfig(yaml)).toThrow(
      /machine.type.*machine.ca.crt: is not base64-encoded PEM.*cluster.clusterName/s,
    );
  });

  it('refuses YAML errors and configs without a v1alpha1 document', () => {
    expect(() => parseMachineConfig('machine: [unclosed')).toThrow(/not valid YAML/);
    expect(() => parseMachineConfig('kind: HostnameConfig\n')).toThrow(/no v1alpha1 document/);
  });
});
