import type { SecureServerOptions } from 'node:http2';
import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { normalizePrivateKeyPem } from '../../agent/talos/talos-credentials.js';

/** Listening helpers of the simulated node's Talos API (apid). */

/** Throws unless `ip` is a loopback address (or the caller vouches it lives in a lab network namespace). */
export function assertLabAddress(ip: string, insideNamespace: boolean | undefined): void {
  if (isIP(ip) === 0) throw new Error(`talos-node: ${JSON.stringify(ip)} is not an IP address`);
  const loopback = ip === '::1' || (isIP(ip) === 4 && ip.startsWith('127.'));
  if (!loopback && !insideNamespace) throw new Error(`talos-node: refusing to listen on non-loopback address ${ip}`);
}

/**
 * Server credentials as Talos' apid sets them up: mutual TLS
 * (siderolabs/crypto `tls.Mutual`), TLS 1.3 only, client certificate required
 * and verified against the OS CA. grpc-js' `createSsl` cannot set a minimum TLS version, hence the subclass.
 */
export class TalosApiServerCredentials extends grpc.ServerCredentials {
  constructor(caPem: string, certPem: string, keyPem: string) {
    const constructorOptions: SecureServerOptions = {
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.3',
    };
    super(constructorOptions, { ca: caPem, cert: certPem, key: normalizePrivateKeyPem(keyPem) });
  }

  override _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

/** Binds the gRPC server; resolves with the bound port. */
export function bindTalosApi(
  server: grpc.Server,
  address: string,
  credentials: grpc.ServerCredentials,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port)));
  });
}
