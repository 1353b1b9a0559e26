/**
 * Talos machine configs (`version: v1alpha1`) for control plane and worker nodes.
 *
 * Schema followed: Talos v1.10 (checked against v1.10.6), which v1.8 and v1.9 also accept for
 * every field written here. The field list and defaults come from Talos' own generator,
 * `pkg/machinery/config/generate/{init,worker}.go` at tag v1.10.6, with the version contract of
 * v1.10 (`pkg/machinery/config/contract.go`): RBAC, stable hostname, apid ext-key-usage check,
 * disk quota, KubePrism on 7445, host DNS forwarding kube-dns to host, seccomp default profile,
 * no kubelet manifests directory, secretbox encryption, Kubernetes discovery registry disabled,
 * exclude-from-external-load-balancers on control planes, PodSecurity admission and the default
 * audit policy. YAML keys are the `yaml:` tags of `pkg/machinery/config/types/v1alpha1/v1alpha1_types.go`.
 * CNI is Talos' default (flannel), written out so it shows in the config.
 */
import { isIPv6 } from 'node:net';

import { stringify } from 'yaml';

import type { TalosClusterInput, ValidatedClusterInput } from './cluster-input.js';
import { installSection, networkSection } from './machine-network.js';
import type { CertAndKey } from './pki.js';
import type { TalosSecretsBundle } from './secrets-bundle.js';
import { strategicMerge } from './strategic-merge.js';
import { validateClusterInput } from './validate-cluster-input.js';

type Node = ValidatedClusterInput['nodes'][number];

/** The Talos release whose machine config schema this module follows. */
export const TALOS_SCHEMA_VERSION = 'v1.10';

const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
const pemPair = (pair: CertAndKey) => ({ crt: b64(pair.crt), key: b64(pair.key) });
/** Workers get CA certificates only: Talos marshals the missing key as an empty string. */
const pemCertOnly = (pair: CertAndKey) => ({ crt: b64(pair.crt), key: '' });

/** Returns the host of the control plane endpoint: the explicit endpoint, else the VIP, else the first control plane IP. */
export function controlPlaneHost(input: ValidatedClusterInput): string {
  const firstControlPlane = input.nodes.find((n) => n.role === 'controlplane');
  const host = input.endpoint ?? input.vip ?? firstControlPlane?.ip;
  if (host === undefined) throw new Error('a validated cluster input always has a control plane');
  return host;
}

/** Returns the Kubernetes API URL of the cluster, `https://<host>:6443`. */
export function controlPlaneEndpoint(input: ValidatedClusterInput): string {
  const host = controlPlaneHost(input);
  return `https://${isIPv6(host) ? `[${host}]` : host}:6443`;
}

/** Subject alternative names for the API server and apid: the endpoint host first, as Talos' GetAPIServerSANs. */
function certSANs(input: ValidatedClusterInput): string[] {
  return [...new Set([controlPlaneHost(input), ...(input.extraSANs ?? [])])];
}

function machineSection(node: Node, input: ValidatedClusterInput, bundle: TalosSecretsBundle): Record<string, unknown> {
  const controlPlane = node.role === 'controlplane';
  return {
    type: node.role,
    token: bundle.trustdInfo.token,
    ca: controlPlane ? pemPair(bundle.certs.os) : pemCertOnly(bundle.certs.os),
    certSANs: certSANs(input),
    kubelet: {
      image: `ghcr.io/siderolabs/kubelet:v${input.kubernetesVersion}`,
      defaultRuntimeSeccompProfileEnabled: true,
      disableManifestsDirectory: true,
    },
    network: networkSection(node, input),
    install: installSection(node, input.talosVersion),
    ...(input.ntp && input.ntp.length > 0 ? { time: { servers: input.ntp } } : {}),
    registries: {},
    features: {
      rbac: true,
      stableHostname: true,
      apidCheckExtKeyUsage: true,
      diskQuotaSupport: true,
      kubePrism: { enabled: true, port: 7445 },
      hostDNS: { enabled: true, forwardKubeDNSToHost: true },
    },
    ...(controlPlane ? { nodeLabels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } } : {}),
  };
}

const POD_SECURITY_ADMISSION = {
  name: 'PodSecurity',
  configuration: {
    apiVersion: 'pod-security.admission.config.k8s.io/v1alpha1',
    kind: 'PodSecurityConfiguration',
    defaults: {
      enforce: 'baseline',
      'enforce-version': 'latest',
      audit: 'restricted',
      'audit-version': 'latest',
      warn: 'restricted',
      'warn-version': 'latest',
    },
    exemptions: { usernames: [], runtimeClasses: [], namespaces: ['kube-system'] },
  },
};

function controlPlaneComponents(input: ValidatedClusterInput, bundle: TalosSecretsBundle): Record<string, unknown> {
  const v = input.kubernetesVersion;
  return {
    secretboxEncryptionSecret: bundle.secrets.secretboxEncryptionSecret,
    ca: pemPair(bundle.certs.k8s),
    aggregatorCA: pemPair(bundle.certs.k8sAggregator),
    serviceAccount: { key: b64(bundle.certs.k8sServiceAccount.key) },
    apiServer: {
      image: `registry.k8s.io/kube-apiserver:v${v}`,
      certSANs: certSANs(input),
      disablePodSecurityPolicy: true,
      admissionControl: [POD_SECURITY_ADMISSION],
      auditPolicy: { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'Metadata' }] },
    },
    controllerManager: { image: `registry.k8s.io/kube-controller-manager:v${v}` },
    proxy: { image: `registry.k8s.io/kube-proxy:v${v}` },
    scheduler: { image: `registry.k8s.io/kube-scheduler:v${v}` },
    etcd: { ca: pemPair(bundle.certs.etcd) },
    extraManifests: [],
    inlineManifests: [],
  };
}

function clusterSection(node: Node, input: ValidatedClusterInput, bundle: TalosSecretsBundle): Record<string, unknown> {
  const controlPlane = node.role === 'controlplane';
  return {
    id: bundle.cluster.id,
    secret: bundle.cluster.secret,
    controlPlane: { endpoint: controlPlaneEndpoint(input) },
    clusterName: input.clusterName,
    network: {
      dnsDomain: 'cluster.local',
      podSubnets: ['10.244.0.0/16'],
      serviceSubnets: ['10.96.0.0/12'],
      cni: { name: 'flannel' },
    },
    token: bundle.secrets.bootstrapToken,
    ...(controlPlane ? controlPlaneComponents(input, bundle) : { ca: pemCertOnly(bundle.certs.k8s) }),
    // Without workers nothing could run anywhere: a control-plane-only cluster (a standalone
    // machine among them) schedules workloads on its control planes.
    ...(controlPlane && !input.nodes.some((n) => n.role === 'worker') ? { allowSchedulingOnControlPlanes: true } : {}),
    discovery: { enabled: true, registries: { kubernetes: { disabled: true }, service: {} } },
  };
}

/** Returns one node's machine config as an object, with the node's patches applied. */
export function buildMachineConfig(input: ValidatedClusterInput, bundle: TalosSecretsBundle, node: Node) {
  const base = {
    version: 'v1alpha1',
    debug: false,
    persist: true,
    machine: machineSection(node, input, bundle),
    cluster: clusterSection(node, input, bundle),
  };
  return strategicMerge(base, ...(node.patches ?? []));
}

/** Serialises a machine config: no line folding, so base64 PEM stays on one line as Talos writes it. */
export function machineConfigToYaml(config: Record<string, unknown>): string {
  return stringify(config, { lineWidth: 0 });
}

/** A generated machine config for one node. */
export interface GeneratedMachineConfig {
  hostname: string;
  role: 'controlplane' | 'worker';
  ip: string;
  yaml: string;
}

/**
 * Validates the cluster input and returns every node's machine config YAML, in input order.
 * Thrown (ValidationError) when the input is inconsistent or a patch does not fit.
 */
export function generateMachineConfigs(input: TalosClusterInput, bundle: TalosSecretsBundle): GeneratedMachineConfig[] {
  const validated = validateClusterInput(input);
  return validated.nodes.map((node) => ({
    hostname: node.hostname,
    role: node.role,
    ip: node.ip,
    yaml: machineConfigToYaml(buildMachineConfig(validated, bundle, node)),
  }));
}
