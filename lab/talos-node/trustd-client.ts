import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs it loaded first
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import * as x509 from '@peculiar/x509';
import { assertLabAddress } from './talos-api-server.js';
import { certificateKeyFamily, exportTalosKeyPem, generateKeyPair, signingAlgorithm, type PemPair } from './pki.js';
import { loadSecurityService, TRUSTD_PORT, type CertificateRequest, type CertificateResponse } from './trustd.js';

/**
 * The worker side of trustd (Talos `secrets.APIController.generateWorker` and
 * `pkg/grpc/gen.RemoteGenerator`): a fresh key of the OS CA's family, a CSR for the node's
 * addresses, sent with `machine.token` to trustd on the control plane endpoints until one signs it.
 */

/** What a worker asks trustd for. */
export interface ApiCertificateRequest {
  /** `host:port` of trustd (the control plane endpoint's host, port 50001); hosts must be loopback in the lab. */
  endpoints: string[];
  /** `machine.token` of the worker's config. */
  token: string;
  /** `machine.ca.crt`: the CA trustd's certificate must chain to, and whose key family the new key takes. */
  osCaCertPem: string;
  commonName: string;
  /** IP addresses and DNS names the API certificate must carry. */
  sans: string[];
  /** Aborts the retries (the machine powers off). */
  signal: AbortSignal;
  /** First and longest pause between rounds over the endpoints (Talos: exponential from 1 s for a minute, then again). */
  retryMs?: { initial: number; max: number };
  /** Deadline of one call (Talos: 10 s). */
  attemptTimeoutMs?: number;
  /** Told of every failed attempt (for logs and tests). */
  onAttemptFailed?: (endpoint: string, error: Error) => void;
}

/** The worker's API certificate from trustd, with its key and the CAs trustd says it accepts. */
export interface ApiCertificate extends PemPair {
  acceptedCaPem: string;
}

/** Splits `host:port` (or `[v6]:port`, or a bare host meaning port 50001) and checks the host is a lab address. */
export function trustdTarget(endpoint: string): string {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(endpoint);
  if (!match) throw new Error(`trustd endpoint ${JSON.stringify(endpoint)} is not host:port`);
  const host = match[1] ?? match[2] ?? '';
  assertLabAddress(host, false);
  return `${host.includes(':') ? `[${host}]` : host}:${match[3] ?? TRUSTD_PORT}`;
}

/** Builds the key and PEM CSR (subject `CN=<commonName>`, SANs) the way `x509.NewCSRAndIdentityFromCA` does. */
export async function createApiCsr(
  osCaCertPem: string,
  commonName: string,
  sans: string[],
): Promise<{ csrPem: string; keyPem: string }> {
  const family = certificateKeyFamily(osCaCertPem);
  const keys = await generateKeyPair(family);
  const names = sans.map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value }));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: signingAlgorithm(family),
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return { csrPem: csr.toString('pem'), keyPem: await exportTalosKeyPem(keys.privateKey, family) };
}

/** One Certificate call; cancelled when `signal` aborts (power-off must not wait for a hung trustd). */
function callCertificate(
  client: grpc.Client,
  request: CertificateRequest,
  deadlineMs: number,
  signal: AbortSignal,
): Promise<CertificateResponse> {
  const def = loadSecurityService().service.Certificate as grpc.MethodDefinition<
    CertificateRequest,
    CertificateResponse
  >;
  return new Promise((resolve, reject) => {
    const call = client.makeUnaryRequest(
      def.path,
      def.requestSerialize,
      def.responseDeserialize,
      request,
      { deadline: Date.now() + deadlineMs },
      (err, reply) => {
        signal.removeEventListener('abort', cancel);
        if (err || !reply) reject(err ?? new Error('empty reply'));
        else resolve(reply);
      },
    );
    const cancel = (): void => call.cancel();
    signal.addEventListener('abort', cancel, { once: true });
  });
}

/** Obtains the worker's API certificate from trustd, retrying over the endpoints until one answers or `signal` aborts. */
export async function requestApiCertificate(request: ApiCertificateRequest): Promise<ApiCertificate> {
  if (request.endpoints.length === 0) throw new Error('at least one trustd endpoint is required');
  const targets = request.endpoints.map(trustdTarget);
  const { csrPem, keyPem } = await createApiCsr(request.osCaCertPem, request.commonName, request.sans);
  const token = request.token;
  const perCall = grpc.credentials.createFromMetadataGenerator((_params, callback) => {
    const metadata = new grpc.Metadata();
    metadata.set('token', token);
    callback(null, metadata);
  });
  const credentials = grpc.credentials.combineChannelCredentials(
    grpc.credentials.createSsl(Buffer.from(request.osCaCertPem)),
    perCall,
  );
  const clients = targets.map((target) => new grpc.Client(target, credentials));
  const retry = request.retryMs ?? { initial: 100, max: 500 };
  try {
    for (let round = 0; ; round += 1) {
      for (const [i, client] of clients.entries()) {
        request.signal.throwIfAborted();
        try {
          const csr = { csr: Buffer.from(csrPem) };
          const reply = await callCertificate(client, csr, request.attemptTimeoutMs ?? 10_000, request.signal);
          const certPem = reply.crt.toString('utf8');
          new x509.X509Certificate(certPem); // garbage would only fail later, in every TLS handshake
          return { certPem, keyPem, acceptedCaPem: reply.ca.toString('utf8') };
        } catch (err) {
          request.onAttemptFailed?.(targets[i]!, err as Error);
        }
      }
      await sleep(Math.min(retry.max, retry.initial * 2 ** round), undefined, { signal: request.signal });
    }
  } finally {
    for (const client of clients) client.close();
  }
}
