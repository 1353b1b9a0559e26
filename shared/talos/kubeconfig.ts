/**
 * The admin kubeconfig, generated from the Kubernetes CA as Talos' `pkg/kubeconfig/generate.go`
 * (v1.10) does — client cert `CN=admin, O=system:masters`, ECDSA P-256, digitalSignature +
 * keyEncipherment, clientAuth, valid from 10 s ago (clock skew) for one year; cluster named after
 * the cluster, user and context `admin@<cluster>`, namespace `default` — and the check applied to a
 * kubeconfig fetched from a node with Talos' `Kubeconfig` RPC before Rackpilot stores it.
 */
import { X509Certificate } from 'node:crypto';

import { parse, stringify } from 'yaml';
import { z } from 'zod';

import { ValidationError } from '../errors.js';
import type { ValidatedClusterInput } from './cluster-input.js';
import { systemCryptoSource } from './crypto-source.js';
import { controlPlaneEndpoint } from './machine-config.js';
import { issueClientCertificate, parsePrivateKey, type CertAndKey } from './pki.js';
import type { TalosSecretsBundle } from './secrets-bundle.js';
import type { ClientCredentialOptions } from './talosconfig.js';

/** Talos' KubernetesAdminCertDefaultLifetime: 365 days. */
export const ADMIN_CERT_VALIDITY_MS = 365 * 24 * 3_600_000;
/** Talos back-dates the admin certificate by this much to tolerate clock skew. */
const ALLOWED_TIME_SKEW_MS = 10_000;

/** A generated kubeconfig and the client certificate inside it. */
export interface GeneratedKubeconfig {
  yaml: string;
  client: CertAndKey;
}

/** Generates the admin kubeconfig of a cluster (`admin@<cluster>`, server `https://<endpoint>:6443`). */
export async function generateAdminKubeconfig(
  input: ValidatedClusterInput,
  bundle: TalosSecretsBundle,
  options: ClientCredentialOptions & { server?: string } = {},
): Promise<GeneratedKubeconfig> {
  const now = (options.now ?? (() => new Date()))();
  const client = await issueClientCertificate(
    bundle.certs.k8s,
    { organizations: ['system:masters'], commonName: 'admin' },
    {
      notBefore: new Date(now.getTime() - ALLOWED_TIME_SKEW_MS),
      notAfter: new Date(now.getTime() + ADMIN_CERT_VALIDITY_MS),
      keyUsages: ['digitalSignature', 'keyEncipherment'],
    },
    options.source ?? systemCryptoSource,
  );
  const name = input.clusterName;
  const user = `admin@${name}`;
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server: options.server ?? controlPlaneEndpoint(input),
          'certificate-authority-data': b64(bundle.certs.k8s.crt),
        },
      },
    ],
    users: [{ name: user, user: { 'client-certificate-data': b64(client.crt), 'client-key-data': b64(client.key) } }],
    contexts: [{ name: user, context: { cluster: name, namespace: 'default', user } }],
    'current-context': user,
  };
  return { yaml: stringify(doc, { lineWidth: 0 }), client };
}

const kubeconfigSchema = z.object({
  clusters: z.array(
    z.object({ name: z.string(), cluster: z.object({ server: z.string(), 'certificate-authority-data': z.string() }) }),
  ),
  users: z.array(
    z.object({
      name: z.string(),
      user: z.object({ 'client-certificate-data': z.string(), 'client-key-data': z.string() }),
    }),
  ),
  contexts: z.array(z.object({ name: z.string(), context: z.object({ cluster: z.string(), user: z.string() }) })),
  'current-context': z.string(),
});

/** What a verified kubeconfig points at. */
export interface VerifiedKubeconfig {
  context: string;
  server: string;
  clientCertificate: X509Certificate;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function untrusted(problem: string, field: string): ValidationError {
  return new ValidationError(`Kubeconfig is not trusted: ${problem}`, [{ field, problem }], 'KUBECONFIG_UNTRUSTED');
}

/**
 * Checks a kubeconfig fetched from a node against the cluster's bundle: its current context's
 * CA data includes the bundle's Kubernetes CA, the client certificate is signed by that CA, is
 * valid at `now`, allows client auth, and matches the client key.
 * Thrown (ValidationError, code `KUBECONFIG_UNTRUSTED`) when any check fails.
 */
export function verifyFetchedKubeconfig(
  yamlText: string,
  bundle: TalosSecretsBundle,
  now: Date = new Date(),
): VerifiedKubeconfig {
  try {
    return checkKubeconfig(yamlText, bundle, now);
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    // Unparseable YAML, PEM or key: the node handed back something that is not a usable kubeconfig.
    throw untrusted(`unreadable content (${(err as Error).message})`, '(document)');
  }
}

function checkKubeconfig(yamlText: string, bundle: TalosSecretsBundle, now: Date): VerifiedKubeconfig {
  const parsed = kubeconfigSchema.safeParse(parse(yamlText));
  if (!parsed.success)
    throw untrusted('not a kubeconfig with embedded certificates', parsed.error.issues[0]?.path.join('.') ?? '');
  const cfg = parsed.data;
  const context = cfg.contexts.find((c) => c.name === cfg['current-context']);
  const cluster = cfg.clusters.find((c) => c.name === context?.context.cluster);
  const user = cfg.users.find((u) => u.name === context?.context.user);
  if (!context || !cluster || !user)
    throw untrusted('current context does not resolve to a cluster and user', 'current-context');

  const bundleCa = new X509Certificate(bundle.certs.k8s.crt);
  const caPems =
    Buffer.from(cluster.cluster['certificate-authority-data'], 'base64').toString('utf8').match(PEM_CERT) ?? [];
  if (!caPems.some((pem) => new X509Certificate(pem).raw.equals(bundleCa.raw))) {
    throw untrusted(
      "CA data does not include the cluster's Kubernetes CA",
      'clusters.cluster.certificate-authority-data',
    );
  }
  const certField = 'users.user.client-certificate-data';
  const clientPem = Buffer.from(user.user['client-certificate-data'], 'base64').toString('utf8');
  const client = new X509Certificate(clientPem);
  if (!client.checkIssued(bundleCa) || !client.verify(bundleCa.publicKey)) {
    throw untrusted("client certificate is not signed by the cluster's Kubernetes CA", certField);
  }
  if (now < new Date(client.validFrom) || now > new Date(client.validTo)) {
    throw untrusted(`client certificate is not valid at ${now.toISOString()}`, certField);
  }
  const ekus = client.keyUsage ?? [];
  if (!ekus.includes('1.3.6.1.5.5.7.3.2')) throw untrusted('client certificate does not allow client auth', certField);
  const keyPem = Buffer.from(user.user['client-key-data'], 'base64').toString('utf8');
  if (!client.checkPrivateKey(parsePrivateKey(keyPem))) {
    throw untrusted('client key does not match the client certificate', 'users.user.client-key-data');
  }
  return { context: context.name, server: cluster.cluster.server, clientCertificate: client };
}
