import { connect } from 'node:tls';
import { normalizePrivateKeyPem, type TalosIdentity } from './talos-credentials.js';

/**
 * Tells "the node refused our client certificate" apart from "the node is not there".
 *
 * With TLS 1.3 the client finishes its handshake before the server has checked the client
 * certificate, so a refusal arrives afterwards: as an alert from a Go server (real Talos sends
 * `bad certificate`), or as a bare close from servers that check in application code (Node).
 * grpc-js reports either as UNAVAILABLE "Failed to connect", like a node that is down. This
 * probe opens one TLS connection with the same identity and watches what follows the
 * handshake: an HTTP/2 server that accepted us speaks first (its SETTINGS frame), one that
 * refused us alerts or hangs up without a byte.
 */

/** Result of {@link probeTlsRejection}. */
export interface TlsProbeResult {
  /** True when the TLS layer refused us (or we refused the server's certificate). */
  rejected: boolean;
  reason: string;
}

/** Splits `ip:port` or `[v6]:port`. */
export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(endpoint);
  if (!match?.[1] || !match[2]) throw new Error(`endpoint ${JSON.stringify(endpoint)} is not host:port`);
  return { host: match[1], port: Number(match[2]) };
}

const TLS_FAILURE = /alert|certificate|ERR_SSL|ERR_TLS|self[- ]signed|unable to (get|verify)|Hostname\/IP/i;

/** Probes `endpoint` with `identity`; never throws. */
export function probeTlsRejection(
  endpoint: string,
  identity: TalosIdentity,
  timeoutMs = 2_000,
): Promise<TlsProbeResult> {
  const { host, port } = splitEndpoint(endpoint);
  return new Promise((resolve) => {
    let settled = false;
    let handshakeDone = false;
    const finish = (result: TlsProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = connect({
      host,
      port,
      ca: identity.ca,
      cert: identity.cert,
      key: normalizePrivateKeyPem(identity.key),
      minVersion: 'TLSv1.3',
      ALPNProtocols: ['h2'],
      rejectUnauthorized: true,
    });
    const timer = setTimeout(() => finish({ rejected: false, reason: `no verdict within ${timeoutMs} ms` }), timeoutMs);
    socket.once('secureConnect', () => {
      handshakeDone = true;
    });
    socket.once('data', () => finish({ rejected: false, reason: 'the server accepted the TLS session' }));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const reason = `${err.code ?? ''} ${err.message}`.trim();
      finish({ rejected: TLS_FAILURE.test(reason), reason });
    });
    socket.once('close', () =>
      finish(
        handshakeDone
          ? {
              rejected: true,
              reason: 'the node closed the connection right after the TLS handshake (client certificate refused)',
            }
          : { rejected: false, reason: 'connection closed before the TLS handshake completed' },
      ),
    );
  });
}
