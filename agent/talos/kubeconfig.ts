import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { readTar, TarFormatError } from './tar-reader.js';
import { TalosError, TalosErrorCodes } from './talos-errors.js';

/**
 * The admin kubeconfig Talos returns, and the pieces Rackpilot needs from it. Talos generates it
 * with client-go's `clientcmd.Write` (siderolabs/talos `pkg/kubeconfig/generate.go`): one cluster
 * named after the cluster, one user and one context `admin@<cluster>`, inline base64 PEM data.
 */

/** What a client needs to call the Kubernetes API as the admin. */
export interface AdminCredentials {
  /** Name of the selected cluster entry. */
  clusterName: string;
  /** API server URL, e.g. `https://10.0.0.10:6443`. */
  server: string;
  /** PEM of the CA(s) the API server certificate must chain to. */
  caPem: string;
  /** PEM client certificate. */
  certPem: string;
  /** PEM client key. */
  keyPem: string;
}

const base64Pem = z
  .string()
  .min(1)
  .transform((value) => Buffer.from(value, 'base64').toString('utf8'))
  .refine((pem) => pem.includes('-----BEGIN '), 'is not base64-encoded PEM');

const kubeconfigSchema = z.object({
  'current-context': z.string().optional(),
  clusters: z
    .array(
      z.object({ name: z.string(), cluster: z.object({ server: z.url(), 'certificate-authority-data': base64Pem }) }),
    )
    .min(1),
  users: z
    .array(
      z.object({
        name: z.string(),
        user: z.object({ 'client-certificate-data': base64Pem, 'client-key-data': base64Pem }),
      }),
    )
    .min(1),
  contexts: z
    .array(z.object({ name: z.string(), context: z.object({ cluster: z.string(), user: z.string() }) }))
    .optional(),
});

/**
 * Parses a kubeconfig and returns the admin credentials of its current context (or of its first
 * cluster and user when it has no current context). Throws `KubeconfigInvalid` otherwise.
 */
export function parseAdminKubeconfig(yamlText: string): AdminCredentials {
  let document: unknown;
  try {
    document = parseYaml(yamlText);
  } catch (err) {
    throw new TalosError(TalosErrorCodes.KubeconfigInvalid, 'kubeconfig is not valid YAML', { cause: err });
  }
  const parsed = kubeconfigSchema.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new TalosError(
      TalosErrorCodes.KubeconfigInvalid,
      `kubeconfig lacks admin credentials (${problems.join('; ')})`,
      {
        details: problems,
      },
    );
  }
  const config = parsed.data;
  const context = config.contexts?.find((entry) => entry.name === config['current-context'])?.context;
  const cluster = context ? config.clusters.find((entry) => entry.name === context.cluster) : config.clusters[0];
  const user = context ? config.users.find((entry) => entry.name === context.user) : config.users[0];
  if (!cluster || !user) {
    throw new TalosError(
      TalosErrorCodes.KubeconfigInvalid,
      'kubeconfig current context names a missing cluster or user',
    );
  }
  return {
    clusterName: cluster.name,
    server: cluster.cluster.server,
    caPem: cluster.cluster['certificate-authority-data'],
    certPem: user.user['client-certificate-data'],
    keyPem: user.user['client-key-data'],
  };
}

/**
 * Unpacks the `Kubeconfig` RPC payload (the concatenated `common.Data` chunks: a gzipped tar
 * holding one file, `kubeconfig`) and returns the kubeconfig YAML. Throws `TalosBadResponse`.
 */
export function extractKubeconfigFromArchive(gzippedTar: Buffer): string {
  let entries;
  try {
    entries = readTar(gunzipSync(gzippedTar));
  } catch (err) {
    const what = err instanceof TarFormatError ? err.message : 'payload is not gzip data';
    throw new TalosError(TalosErrorCodes.BadResponse, `Kubeconfig archive is unreadable: ${what}`, { cause: err });
  }
  const file = entries.find((entry) => entry.type === 'file' && entry.name.replace(/^\.\//, '') === 'kubeconfig');
  if (!file) {
    const names = entries.map((entry) => entry.name);
    throw new TalosError(
      TalosErrorCodes.BadResponse,
      `Kubeconfig archive has no 'kubeconfig' file (found: ${names.join(', ') || 'nothing'})`,
    );
  }
  return file.data.toString('utf8');
}
