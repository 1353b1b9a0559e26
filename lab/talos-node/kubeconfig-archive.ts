import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { ExtKeyUsage, issueLeaf, type SigningCa } from './pki.js';

/**
 * What the simulated node's `Kubeconfig` RPC returns, built the way Talos builds it
 * (siderolabs/talos `pkg/kubeconfig/generate.go` and `v1alpha1_server.go` `Kubeconfig`).
 */

/** Input of {@link generateAdminKubeconfig}. */
export interface AdminKubeconfigInput {
  clusterName: string;
  /** `cluster.controlPlane.endpoint`. */
  endpoint: string;
  kubernetesCa: SigningCa;
}

/**
 * Generates the admin kubeconfig: a fresh client certificate `CN=admin, O=system:masters`
 * (Talos' `adminKubeconfig` defaults) signed by the Kubernetes CA, valid one year, with the
 * layout client-go's `clientcmd.Write` produces (keys sorted, `preferences: {}`).
 */
export async function generateAdminKubeconfig(input: AdminKubeconfigInput): Promise<string> {
  const client = await issueLeaf(input.kubernetesCa, {
    subject: 'CN=admin, O=system:masters',
    extKeyUsages: [ExtKeyUsage.ClientAuth],
  });
  const user = `admin@${input.clusterName}`;
  const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
  return stringify({
    apiVersion: 'v1',
    clusters: [
      {
        cluster: { 'certificate-authority-data': b64(input.kubernetesCa.certPem), server: input.endpoint },
        name: input.clusterName,
      },
    ],
    contexts: [{ context: { cluster: input.clusterName, namespace: 'default', user }, name: user }],
    'current-context': user,
    kind: 'Config',
    preferences: {},
    users: [
      { name: user, user: { 'client-certificate-data': b64(client.certPem), 'client-key-data': b64(client.keyPem) } },
    ],
  });
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** A ustar header for one regular file, as Go's `archive/tar` writes it. */
export function ustarHeader(name: string, size: number, mode: number, mtime: Date): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(mode, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii');
  header.write('        ', 148, 'ascii');
  header.write('0', 156, 'ascii');
  header.write('ustar\x0000', 257, 'binary');
  header.write(octal(0, 8), 329, 'ascii');
  header.write(octal(0, 8), 337, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return header;
}

/**
 * Wraps the kubeconfig "in .tar.gz to match Copy protocol" exactly as Talos does: one ustar
 * entry `kubeconfig` (mode 0600), and — because Talos closes the gzip writer but never the tar
 * writer — no padding after the data and no end-of-archive blocks.
 */
export function kubeconfigArchive(kubeconfig: string, now = new Date()): Buffer {
  const data = Buffer.from(kubeconfig, 'utf8');
  return gzipSync(Buffer.concat([ustarHeader('kubeconfig', data.length, 0o600, now), data]));
}
