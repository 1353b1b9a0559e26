import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { createCa, ExtKeyUsage, issueLeaf, loadSigningCa, type PemPair } from './pki.js';

/**
 * Test secrets for the simulated Talos node: the CAs `talosctl gen secrets` creates (OS CA
 * Ed25519 `O=talos`; Kubernetes and etcd CAs ECDSA P-256), talosconfig-style client identities,
 * and v1alpha1 machine configs built from them. For tests and the lab only; production secrets
 * come from `shared/talos/`.
 */

/** The CAs of one test cluster, PEM-encoded the way Talos encodes them. */
export interface TestClusterSecrets {
  clusterName: string;
  osCa: PemPair;
  kubernetesCa: PemPair;
  etcdCa: PemPair;
  machineToken: string;
}

/** Generates a fresh set of cluster CAs. */
export async function generateTestSecrets(clusterName = 'lab'): Promise<TestClusterSecrets> {
  const [osCa, kubernetesCa, etcdCa] = await Promise.all([
    createCa('O=talos', 'ed25519'),
    createCa('O=kubernetes', 'ecdsa'),
    createCa('O=etcd', 'ecdsa'),
  ]);
  return { clusterName, osCa, kubernetesCa, etcdCa, machineToken: randomBytes(8).toString('hex') };
}

/** A talosconfig-style identity: `{ ca, cert, key }` PEMs for `createTalosClient`. */
export interface TestTalosIdentity {
  ca: string;
  cert: string;
  key: string;
}

/**
 * Issues a Talos API client certificate signed by `signer` (the OS CA, or a foreign CA to test
 * rejection), with the given roles as Organization (`os:admin` as `talosctl gen config` does).
 * `trustCaPem` is the CA the client trusts for the server (defaults to the OS CA).
 */
export async function issueTalosIdentity(
  signer: PemPair,
  options: { roles?: string[]; trustCaPem?: string; extKeyUsages?: string[] } = {},
): Promise<TestTalosIdentity> {
  const ca = await loadSigningCa(signer.certPem, signer.keyPem);
  const roles = options.roles ?? ['os:admin'];
  const subject = ['CN=rackpilot', ...roles.map((role) => `O=${role}`)].join(', ');
  const leaf = await issueLeaf(ca, { subject, extKeyUsages: options.extKeyUsages ?? [ExtKeyUsage.ClientAuth] });
  return { ca: options.trustCaPem ?? signer.certPem, cert: leaf.certPem, key: leaf.keyPem };
}

const b64 = (pem: string): string => Buffer.from(pem).toString('base64');

/** Options of {@link buildTestMachineConfig}. */
export interface TestMachineConfigOptions {
  type: 'controlplane' | 'worker';
  /** `cluster.controlPlane.endpoint`, e.g. `https://127.10.0.10:6443`. */
  endpoint: string;
  certSANs?: string[];
  /** Omit `cluster.etcd` (Talos then refuses Bootstrap with InvalidArgument). */
  withoutEtcdCa?: boolean;
}

/**
 * Builds a v1alpha1 machine config with the layout `talosctl gen config` produces (trimmed to
 * the sections a node reads). Workers get no CA keys, as in real generated worker configs.
 */
export function buildTestMachineConfig(secrets: TestClusterSecrets, options: TestMachineConfigOptions): string {
  const worker = options.type === 'worker';
  const cluster: Record<string, unknown> = {
    id: randomBytes(32).toString('base64'),
    secret: randomBytes(32).toString('base64'),
    controlPlane: { endpoint: options.endpoint },
    clusterName: secrets.clusterName,
    network: { dnsDomain: 'cluster.local', podSubnets: ['10.244.0.0/16'], serviceSubnets: ['10.96.0.0/12'] },
    token: `${randomBytes(3).toString('hex')}.${randomBytes(8).toString('hex')}`,
    ca: { crt: b64(secrets.kubernetesCa.certPem), key: worker ? '' : b64(secrets.kubernetesCa.keyPem) },
  };
  if (!worker) {
    cluster.apiServer = { certSANs: [new URL(options.endpoint).hostname] };
    if (!options.withoutEtcdCa)
      cluster.etcd = { ca: { crt: b64(secrets.etcdCa.certPem), key: b64(secrets.etcdCa.keyPem) } };
  }
  return stringify({
    version: 'v1alpha1',
    debug: false,
    persist: true,
    machine: {
      type: options.type,
      token: secrets.machineToken,
      ca: { crt: b64(secrets.osCa.certPem), key: worker ? '' : b64(secrets.osCa.keyPem) },
      certSANs: options.certSANs ?? [],
      kubelet: { image: 'ghcr.io/siderolabs/kubelet:v1.34.0' },
      install: { disk: '/dev/sda', wipe: false },
    },
    cluster,
  });
}
