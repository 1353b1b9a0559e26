import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

/**
 * The parts of a Talos v1alpha1 machine config the simulated node acts on. Field names follow
 * siderolabs/talos `pkg/machinery/config/types/v1alpha1/v1alpha1_types.go`; PEMs are stored
 * base64-encoded as in real configs. A config may be a multi-document YAML stream (Talos 1.5+
 * appends documents such as `HostnameConfig`); the `v1alpha1` document is the one read here.
 */

const b64Pem = z
  .string()
  .transform((value) => Buffer.from(value, 'base64').toString('utf8'))
  .refine((pem) => pem === '' || pem.includes('-----BEGIN '), 'is not base64-encoded PEM');

const certAndKey = z.object({ crt: b64Pem, key: b64Pem.optional().default('') });

const v1alpha1Schema = z.object({
  version: z.literal('v1alpha1'),
  machine: z.object({
    type: z.enum(['init', 'controlplane', 'worker']),
    token: z.string().min(1),
    ca: certAndKey,
    certSANs: z.array(z.string()).optional().default([]),
  }),
  cluster: z.object({
    clusterName: z.string().min(1),
    controlPlane: z.object({ endpoint: z.url() }),
    ca: certAndKey,
    network: z.object({ dnsDomain: z.string().optional().default('cluster.local') }).optional(),
    apiServer: z.object({ certSANs: z.array(z.string()).optional().default([]) }).optional(),
    etcd: z.object({ ca: certAndKey.optional() }).optional(),
  }),
});

/** A parsed machine config with PEMs decoded. */
export interface LabMachineConfig {
  /** `init` is the legacy name of the bootstrap control plane; it behaves as `controlplane`. */
  type: 'init' | 'controlplane' | 'worker';
  clusterName: string;
  /** `machine.token`: what a worker presents to trustd, and what trustd on a control plane expects. */
  token: string;
  /** `cluster.controlPlane.endpoint`, e.g. `https://127.10.0.10:6443`. */
  endpoint: URL;
  /** Talos OS CA (`machine.ca`); `keyPem` is empty on workers in real generated configs. */
  osCa: { certPem: string; keyPem: string };
  /** Kubernetes CA (`cluster.ca`). */
  kubernetesCa: { certPem: string; keyPem: string };
  /** True when `cluster.etcd.ca` is present (Talos refuses bootstrap without it). */
  hasEtcdCa: boolean;
  machineCertSans: string[];
  apiServerCertSans: string[];
  dnsDomain: string;
  /** The YAML as received. */
  raw: string;
}

/** Thrown when a machine config is not valid YAML or lacks what a Talos node needs. */
export class MachineConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MachineConfigError';
  }
}

/** Parses and checks a machine config (YAML, possibly multi-document). Throws {@link MachineConfigError}. */
export function parseMachineConfig(yamlText: string): LabMachineConfig {
  const documents = parseAllDocuments(yamlText);
  if (!Array.isArray(documents)) throw new MachineConfigError('machine config is empty');
  const errors = documents.flatMap((doc) => doc.errors.map((e) => e.message));
  if (errors.length > 0) throw new MachineConfigError(`machine config is not valid YAML: ${errors.join('; ')}`);
  const v1alpha1 = documents
    .map((doc) => doc.toJS() as unknown)
    .find((doc) => (doc as { version?: unknown })?.version === 'v1alpha1');
  if (v1alpha1 === undefined) throw new MachineConfigError('machine config has no v1alpha1 document');
  const parsed = v1alpha1Schema.safeParse(v1alpha1);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new MachineConfigError(`machine config is invalid: ${problems.join('; ')}`);
  }
  const { machine, cluster } = parsed.data;
  if (machine.ca.crt === '') throw new MachineConfigError('machine.ca.crt is empty');
  if (cluster.ca.crt === '') throw new MachineConfigError('cluster.ca.crt is empty');
  if (machine.type !== 'worker' && (machine.ca.key === '' || cluster.ca.key === '')) {
    throw new MachineConfigError('a control plane config must carry machine.ca.key and cluster.ca.key');
  }
  return {
    type: machine.type,
    clusterName: cluster.clusterName,
    token: machine.token,
    endpoint: new URL(cluster.controlPlane.endpoint),
    osCa: { certPem: machine.ca.crt, keyPem: machine.ca.key },
    kubernetesCa: { certPem: cluster.ca.crt, keyPem: cluster.ca.key },
    hasEtcdCa: Boolean(cluster.etcd?.ca?.crt),
    machineCertSans: machine.certSANs,
    apiServerCertSans: cluster.apiServer?.certSANs ?? [],
    dnsDomain: cluster.network?.dnsDomain ?? 'cluster.local',
    raw: yamlText,
  };
}
