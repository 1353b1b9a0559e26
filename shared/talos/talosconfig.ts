/**
 * talosconfig, the client configuration of `talosctl` and of the agent's Talos API client.
 * Layout from Talos v1.10 `pkg/machinery/client/config/config.go` (NewConfig): one context named
 * after the cluster, endpoints, and `ca`/`crt`/`key` as base64 of PEM. The client certificate is
 * what `talosctl gen config` issues (secrets.NewAdminCertificateAndKey): Ed25519, `O=os:admin`,
 * digitalSignature + clientAuth, valid one year, signed by the OS CA.
 */
import { parse, stringify } from 'yaml';
import { z } from 'zod';

import { ValidationError } from '../errors.js';
import type { ValidatedClusterInput } from './cluster-input.js';
import { systemCryptoSource, type CryptoSource } from './crypto-source.js';
import { issueClientCertificate, type CertAndKey } from './pki.js';
import type { TalosSecretsBundle } from './secrets-bundle.js';

/** Talos' TalosAPIDefaultCertificateValidityDuration: 365 days. */
export const TALOS_CLIENT_CERT_VALIDITY_MS = 365 * 24 * 3_600_000;

/** Role organisation Talos' RBAC maps to full access. */
export const TALOS_ADMIN_ROLE = 'os:admin';

/** Options for issuing client credentials. */
export interface ClientCredentialOptions {
  source?: CryptoSource;
  now?: () => Date;
}

/** A generated talosconfig and the client certificate inside it. */
export interface GeneratedTalosconfig {
  yaml: string;
  client: CertAndKey;
}

/** Returns the Talos API endpoints of a cluster: every control-plane IP, in input order. */
export function talosEndpoints(input: ValidatedClusterInput): string[] {
  return input.nodes.filter((n) => n.role === 'controlplane').map((n) => n.ip);
}

/** Generates an admin talosconfig for the cluster, with a new client certificate signed by the OS CA. */
export async function generateTalosconfig(
  input: ValidatedClusterInput,
  bundle: TalosSecretsBundle,
  options: ClientCredentialOptions = {},
): Promise<GeneratedTalosconfig> {
  const now = (options.now ?? (() => new Date()))();
  const client = await issueClientCertificate(
    bundle.certs.os,
    { organizations: [TALOS_ADMIN_ROLE] },
    {
      notBefore: now,
      notAfter: new Date(now.getTime() + TALOS_CLIENT_CERT_VALIDITY_MS),
      keyUsages: ['digitalSignature'],
    },
    options.source ?? systemCryptoSource,
  );
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  const doc = {
    context: input.clusterName,
    contexts: {
      [input.clusterName]: {
        endpoints: talosEndpoints(input),
        ca: b64(bundle.certs.os.crt),
        crt: b64(client.crt),
        key: b64(client.key),
      },
    },
  };
  return { yaml: stringify(doc, { lineWidth: 0 }), client };
}

const talosconfigSchema = z.object({
  context: z.string(),
  contexts: z.record(
    z.string(),
    z.object({ endpoints: z.array(z.string()), ca: z.string(), crt: z.string(), key: z.string() }),
  ),
});

/** The credentials of one talosconfig context, PEM decoded. */
export interface TalosContext {
  name: string;
  endpoints: string[];
  ca: string;
  crt: string;
  key: string;
}

/**
 * Reads the current context of a talosconfig (for the agent's Talos client).
 * Thrown (ValidationError) when the document is not a talosconfig or its current context is missing.
 */
export function parseTalosconfig(yamlText: string): TalosContext {
  const parsed = talosconfigSchema.safeParse(parse(yamlText));
  if (!parsed.success) {
    throw new ValidationError(
      'Not a talosconfig',
      parsed.error.issues.map((i) => ({ field: i.path.join('.'), problem: i.message })),
    );
  }
  const ctx = parsed.data.contexts[parsed.data.context];
  if (!ctx)
    throw new ValidationError('talosconfig has no current context', [
      { field: 'context', problem: 'not found in contexts' },
    ]);
  const decode = (b: string) => Buffer.from(b, 'base64').toString('utf8');
  return {
    name: parsed.data.context,
    endpoints: ctx.endpoints,
    ca: decode(ctx.ca),
    crt: decode(ctx.crt),
    key: decode(ctx.key),
  };
}
