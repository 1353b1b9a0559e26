/**
 * One HTTPS exchange with a Redfish BMC, with the trust the operator chose for its certificate:
 * the system CAs, an operator CA, a pinned SHA-256 fingerprint (what most BMCs need: they ship
 * self-signed certificates for an IP address), or none when asked. A pinned or CA-checked
 * certificate is verified before the request is written, so a stranger at the BMC's address never
 * sees the credentials.
 */
import { Agent, request as httpsRequest, type AgentOptions } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { RedfishTls } from '../../../shared/bmc-endpoint.js';

/** Where the BMC is and how to trust it. */
export interface RedfishTarget {
  host: string;
  port: number;
  tls: RedfishTls;
}

/** What came back. `body` is the parsed JSON, or undefined for an empty or non-JSON body. */
export interface RedfishResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The raw body, for error details when it is not JSON. Bounded. */
  text: string;
}

/** Why no response came back; the driver maps these to typed BMC errors. */
export class RedfishTransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'timeout' | 'certificate' | 'aborted',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RedfishTransportError';
  }
}

/** Most body a BMC answer may have; Redfish resources are a few kB, a runaway answer is cut. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Returns `AB:CD:…`, the form `openssl x509 -fingerprint -sha256` prints and operators paste. */
export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.toUpperCase();
}

/**
 * An https.Agent whose connections check the certificate per the target's trust before handing
 * the socket to the HTTP client. Keep-alive: a BMC's TLS handshake costs tens of milliseconds of its
 * slow CPU, and a job makes a dozen requests.
 */
export function createRedfishAgent(target: RedfishTarget): Agent {
  const { tls } = target;
  const options: AgentOptions = { keepAlive: true, maxSockets: 2, timeout: 60_000 };
  if (tls.fingerprintSha256 === undefined) {
    return new Agent({
      ...options,
      ...(tls.caPem !== undefined ? { ca: tls.caPem } : {}),
      rejectUnauthorized: tls.insecure !== true,
    });
  }
  const pinned = normaliseFingerprint(tls.fingerprintSha256);
  return new PinnedAgent(options, pinned);
}

class PinnedAgent extends Agent {
  constructor(
    options: AgentOptions,
    private readonly pinned: string,
  ) {
    super(options);
  }

  // Node's Agent waits for the callback when createConnection returns nothing: the socket reaches
  // the HTTP client only after the handshake and the fingerprint check.
  override createConnection(
    options: ConnectionOptions,
    callback: (err: Error | null, socket?: Duplex) => void,
  ): Duplex | undefined {
    const socket: TLSSocket = connect({ ...options, rejectUnauthorized: false });
    const onError = (err: Error): void => callback(err);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      socket.removeListener('error', onError);
      const seen = socket.getPeerCertificate().fingerprint256;
      if (seen === this.pinned) return callback(null, socket);
      socket.destroy();
      callback(
        new RedfishTransportError(
          `certificate fingerprint ${seen || 'none'} is not the pinned ${this.pinned}`,
          'certificate',
        ),
      );
    });
    return undefined;
  }
}

/** One request; `timeoutMs` covers connect to last byte. */
export interface RedfishRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
}

const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
]);

/** Sends one request over `agent` and collects the answer. Never retries (the client does). */
export function sendRedfishRequest(agent: Agent, target: RedfishTarget, req: RedfishRequest): Promise<RedfishResponse> {
  return new Promise((resolve, reject) => {
    if (req.signal?.aborted) return reject(new RedfishTransportError('request aborted', 'aborted'));
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const request = httpsRequest({
      host: target.host,
      port: target.port,
      method: req.method,
      path: req.path,
      agent,
      // BMC certificates name the BMC by IP or by a factory host name; SNI with an IP is not allowed.
      servername: /^[\d.]+$|:/.test(target.host) ? undefined : target.host,
      headers: {
        Accept: 'application/json',
        'OData-Version': '4.0',
        ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}),
        ...req.headers,
      },
    });
    let settled = false;
    const fail = (err: RedfishTransportError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      request.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new RedfishTransportError(`no answer within ${req.timeoutMs} ms`, 'timeout')),
      req.timeoutMs,
    );
    const onAbort = (): void => fail(new RedfishTransportError('request aborted', 'aborted'));
    req.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof RedfishTransportError) return fail(err);
      if (err.code !== undefined && CERTIFICATE_CODES.has(err.code)) {
        return fail(new RedfishTransportError(`certificate rejected: ${err.message}`, 'certificate', { cause: err }));
      }
      fail(new RedfishTransportError(err.message, 'unreachable', { cause: err }));
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      response.on('error', (err) => fail(new RedfishTransportError(err.message, 'unreachable', { cause: err })));
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text.length > 0 ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body, text: text.slice(0, 2_000) });
      });
    });
    request.end(payload);
  });
}
