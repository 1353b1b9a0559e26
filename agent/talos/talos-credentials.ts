import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';

/**
 * Talos writes Ed25519 private keys (in talosconfig and machine configs) as PKCS#8 DER under the
 * PEM label `ED25519 PRIVATE KEY` (siderolabs/crypto `x509/key.go`), which OpenSSL does not know.
 * The DER inside is plain PKCS#8, so relabelling it `PRIVATE KEY` makes it loadable. Other labels
 * (`EC PRIVATE KEY`, `RSA PRIVATE KEY`, `PRIVATE KEY`) pass through unchanged.
 */
export function normalizePrivateKeyPem(pem: string): string {
  return pem.replace(/-----(BEGIN|END) ED25519 PRIVATE KEY-----/g, '-----$1 PRIVATE KEY-----');
}

/** The mTLS identity of a Talos API client: the OS CA and a client certificate signed by it. */
export interface TalosIdentity {
  /** PEM of the Talos OS CA (talosconfig `ca`, machine config `machine.ca.crt`). */
  ca: string;
  /** PEM client certificate (`O=os:admin` for the admin role). */
  cert: string;
  /** PEM private key; the `ED25519 PRIVATE KEY` label Talos uses is accepted. */
  key: string;
}

/**
 * Builds gRPC channel credentials for the Talos API: TLS 1.3 only (as Talos' apid), the server
 * certificate must chain to the OS CA and name the endpoint's IP, and our certificate is
 * presented for client authentication.
 */
export function createTalosChannelCredentials(identity: TalosIdentity): grpc.ChannelCredentials {
  const context = createSecureContext({
    ca: identity.ca,
    cert: identity.cert,
    key: normalizePrivateKeyPem(identity.key),
    minVersion: 'TLSv1.3',
  });
  return grpc.credentials.createFromSecureContext(context);
}
