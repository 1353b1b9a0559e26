import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs it loaded first
import { createHash, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as x509 from '@peculiar/x509';
import { normalizePrivateKeyPem } from '../../agent/talos/talos-credentials.js';
import { assertLabAddress, bindTalosApi } from './talos-api-server.js';
import { ExtKeyUsage, issueLeaf, signCertificate, type SigningCa } from './pki.js';

/**
 * trustd, the control plane's certificate service for workers (Talos `internal/app/trustd`): TCP
 * 50001, server-only TLS with a certificate from the OS CA, every call authenticated by the
 * `token` metadata (`machine.token`), one RPC `securityapi.SecurityService/Certificate` that signs
 * a worker's CSR with the OS CA — server auth only, Organization stripped — so a worker config
 * never needs the OS CA key.
 */

/** trustd's port on real nodes (`constants.TrustdPort`). */
export const TRUSTD_PORT = 50001;

/** Directory of the lab's copy of `security/security.proto`. */
const PROTO_DIR = fileURLToPath(new URL('./proto/', import.meta.url));

/** `securityapi.CertificateRequest`. */
export interface CertificateRequest {
  csr: Buffer;
}

/** `securityapi.CertificateResponse`. */
export interface CertificateResponse {
  ca: Buffer;
  crt: Buffer;
}

let cached: { service: grpc.ServiceDefinition; Client: grpc.ServiceClientConstructor } | undefined;

/** Returns the service definition and client constructor of `securityapi.SecurityService` (parsed once). */
export function loadSecurityService(): { service: grpc.ServiceDefinition; Client: grpc.ServiceClientConstructor } {
  if (cached) return cached;
  const definition = protoLoader.loadSync('security/security.proto', {
    includeDirs: [PROTO_DIR],
    keepCase: false,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    securityapi: { SecurityService: grpc.ServiceClientConstructor };
  };
  cached = { service: pkg.securityapi.SecurityService.service, Client: pkg.securityapi.SecurityService };
  return cached;
}

/** Server-only TLS 1.3 (trustd does not ask workers for a client certificate: the token is the credential). */
class TrustdServerCredentials extends grpc.ServerCredentials {
  constructor(certPem: string, keyPem: string) {
    super({ requestCert: false, minVersion: 'TLSv1.3' }, { cert: certPem, key: normalizePrivateKeyPem(keyPem) });
  }

  override _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

function fail(code: grpc.status, details: string): Partial<grpc.StatusObject> {
  return { code, details, metadata: new grpc.Metadata() };
}

/** Talos' `basic.TokenCredentials.authenticate`: the first `token` value, compared as SHA-256 digests in constant time. */
function checkToken(metadata: grpc.Metadata, token: string): Partial<grpc.StatusObject> | undefined {
  const given = metadata.get('token')[0];
  if (given === undefined) return fail(grpc.status.UNAUTHENTICATED, 'missing token');
  const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();
  if (!timingSafeEqual(digest(given), digest(token))) return fail(grpc.status.UNAUTHENTICATED, 'invalid token');
  return undefined;
}

/** DNS names and IP addresses a CSR asks for. */
function requestedSans(csr: x509.Pkcs10CertificateRequest): string[] {
  const ext = csr.extensions.find(
    (e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension,
  );
  return (ext?.names.items ?? []).filter((n) => n.type === 'ip' || n.type === 'dns').map((n) => n.value);
}

/** Signs a worker's CSR as trustd's `reg.Registrator.Certificate` does; resolves with the reply or the status to fail with. */
export async function signWorkerCsr(
  osCa: SigningCa,
  acceptedCaPem: string,
  csrBytes: Buffer,
): Promise<CertificateResponse | Partial<grpc.StatusObject>> {
  const text = csrBytes.toString('utf8');
  const block = /-----BEGIN CERTIFICATE REQUEST-----[\s\S]+?-----END CERTIFICATE REQUEST-----/.exec(text);
  if (!block) return fail(grpc.status.INVALID_ARGUMENT, 'failed to decode CSR');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(block[0]);
  } catch (err) {
    return fail(grpc.status.INVALID_ARGUMENT, `failed to parse CSR: ${(err as Error).message}`);
  }
  // Go's x509.CreateCertificate path in siderolabs/crypto checks the CSR's self-signature first.
  if (!(await csr.verify().catch(() => false))) {
    return fail(grpc.status.INTERNAL, 'failed to sign CSR: x509: signature of the certificate request is invalid');
  }
  // A certificate from trustd must never authenticate a client: no Organization (roles), server auth only.
  const subject = csr.subjectName.toJSON().filter((rdn) => !('O' in rdn));
  const cert = await signCertificate(
    osCa,
    {
      subject,
      sans: requestedSans(csr),
      extKeyUsages: [ExtKeyUsage.ServerAuth],
      keyUsages: x509.KeyUsageFlags.digitalSignature,
    },
    csr.publicKey,
  );
  return { ca: Buffer.from(acceptedCaPem), crt: Buffer.from(cert.toString('pem')) };
}

/** Options of {@link startTrustd}. */
export interface TrustdOptions {
  /** The control plane's node IP (loopback in the lab). */
  ip: string;
  /** Defaults to {@link TRUSTD_PORT}; 0 for an ephemeral port. */
  port?: number;
  /** The OS CA with its key (from the control plane's `machine.ca`). */
  osCa: SigningCa;
  /** `machine.token`: what a worker must present. */
  token: string;
  /** SANs of trustd's own serving certificate (the node IP and `machine.certSANs`). */
  sans: string[];
  insideNetworkNamespace?: boolean;
}

/** A running trustd. */
export interface Trustd {
  /** `ip:port`, as a worker dials it. */
  readonly endpoint: string;
  readonly port: number;
  /** Certificates signed so far. */
  readonly issued: number;
  close(): Promise<void>;
}

/** Starts trustd on `ip:port`. */
export async function startTrustd(options: TrustdOptions): Promise<Trustd> {
  assertLabAddress(options.ip, options.insideNetworkNamespace);
  const serving = await issueLeaf(options.osCa, {
    subject: 'CN=trustd',
    sans: options.sans,
    extKeyUsages: [ExtKeyUsage.ServerAuth],
  });
  let issued = 0;
  const server = new grpc.Server();
  server.addService(loadSecurityService().service, {
    Certificate(call: grpc.ServerUnaryCall<CertificateRequest, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const denied = checkToken(call.metadata, options.token);
      if (denied) return callback(denied);
      signWorkerCsr(options.osCa, options.osCa.certPem, call.request.csr)
        .then((reply) => {
          if (!('crt' in reply)) return callback(reply);
          issued += 1;
          callback(null, reply);
        })
        .catch((err: unknown) => callback(fail(grpc.status.INTERNAL, `failed to sign CSR: ${String(err)}`)));
    },
  });
  const host = options.ip.includes(':') ? `[${options.ip}]` : options.ip;
  const port = await bindTalosApi(
    server,
    `${host}:${options.port ?? TRUSTD_PORT}`,
    new TrustdServerCredentials(serving.certPem, serving.keyPem),
  );
  let closing: Promise<void> | undefined;
  return {
    endpoint: `${host}:${port}`,
    port,
    get issued() {
      return issued;
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => server.tryShutdown(() => resolve())).then(() =>
        server.forceShutdown(),
      )),
  };
}
