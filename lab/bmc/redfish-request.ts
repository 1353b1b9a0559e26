/**
 * One HTTPS request to a lab Redfish BMC, for the lab's own use (its ready check, the read that
 * makes sushy apply a pending power change, the fixture recorder, tests): the certificate is
 * checked against a pinned SHA-256 fingerprint before anything is sent, credentials go as Basic
 * auth. Not the agent's Redfish client (agent/bmc/redfish/), which stays independent of the lab.
 */
import { request } from 'node:https';
import { connect, type TLSSocket } from 'node:tls';

/** Where a Redfish BMC listens and how to reach it. */
export interface RedfishTarget {
  address: string;
  port: number;
  /** `AB:CD:…` of the certificate the BMC must present. */
  fingerprintSha256: string;
  username?: string;
  password?: string;
}

/** A Redfish answer: status, headers (lower-case names) and the raw body. */
export interface RedfishResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Thrown when the BMC presented a certificate other than the pinned one; nothing was sent. */
export class FingerprintMismatchError extends Error {}

function connectPinned(target: RedfishTarget, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // Pinning replaces chain validation: a BMC's self-signed certificate has no chain to check.
    const socket = connect({ host: target.address, port: target.port, rejectUnauthorized: false });
    const timer = setTimeout(
      () => socket.destroy(new Error(`TLS to ${target.address}:${target.port} timed out`)),
      timeoutMs,
    );
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const seen = socket.getPeerCertificate().fingerprint256?.toUpperCase();
      if (seen === target.fingerprintSha256.toUpperCase()) return resolve(socket);
      socket.destroy();
      reject(new FingerprintMismatchError(`${target.address}:${target.port} presented ${seen ?? 'no certificate'}`));
    });
  });
}

/** Sends `method path` (with a JSON `body` when given); rejects on a network error or after `timeoutMs` (default 5 s). */
export async function redfishRequest(
  target: RedfishTarget,
  method: string,
  path: string,
  options: { body?: unknown; auth?: boolean; timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<RedfishResponse> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const socket = await connectPinned(target, timeoutMs);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (payload !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  if (options.auth !== false && target.username !== undefined) {
    headers.Authorization = `Basic ${Buffer.from(`${target.username}:${target.password ?? ''}`).toString('base64')}`;
  }
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.address,
        port: target.port,
        method,
        path,
        headers,
        createConnection: () => socket,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
