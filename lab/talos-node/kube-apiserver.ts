import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { normalizePrivateKeyPem } from '../../agent/talos/talos-credentials.js';
import { ExtKeyUsage, issueLeaf, type SigningCa } from './pki.js';

/**
 * The simulated node's Kubernetes API server: only the health endpoints (`/readyz`, `/livez`,
 * `/healthz`) and `/version`. Like kube-apiserver as Talos runs it (`--anonymous-auth=false`,
 * `--tls-min-version=VersionTLS13`, client CA = the cluster CA), it requests but does not
 * require a client certificate during the handshake and answers 401 with a `Status` object
 * when the request carries no certificate chained to the Kubernetes CA.
 */

/** Options of {@link startKubeApiServer}. */
export interface KubeApiServerOptions {
  ip: string;
  port: number;
  kubernetesCa: SigningCa;
  /** SANs of the serving certificate (node IP, endpoint host, `kubernetes.default...`). */
  sans: string[];
  /** Epoch ms from which `/readyz` answers `ok` (before that: 500, as while post-start hooks run). */
  readyAt: number;
  kubernetesVersion?: string;
}

/** A running Kubernetes API endpoint. */
export interface KubeApiServer {
  port: number;
  close(): Promise<void>;
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

function handler(options: KubeApiServerOptions) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const socket = req.socket as TLSSocket;
    const usages = socket.authorized ? (socket.getPeerCertificate().ext_key_usage ?? []) : [];
    if (!usages.includes(ExtKeyUsage.ClientAuth)) return status(res, 401, 'Unauthorized', 'Unauthorized');
    const path = new URL(req.url ?? '/', 'https://apiserver').pathname;
    if (req.method !== 'GET')
      return status(res, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    if (path === '/readyz' || path === '/livez' || path === '/healthz') {
      if (path === '/readyz' && Date.now() < options.readyAt) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('[-]poststarthook/start-apiextensions-controllers failed: reason withheld\nreadyz check failed\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
      res.end('ok');
      return;
    }
    if (path === '/version') {
      const gitVersion = options.kubernetesVersion ?? 'v1.34.0';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ major: '1', minor: gitVersion.split('.')[1] ?? '0', gitVersion, platform: 'linux/amd64' }),
      );
      return;
    }
    status(res, 404, 'NotFound', 'the server could not find the requested resource');
  };
}

/** Starts the endpoint with a fresh serving certificate from the Kubernetes CA. */
export async function startKubeApiServer(options: KubeApiServerOptions): Promise<KubeApiServer> {
  const serving = await issueLeaf(options.kubernetesCa, {
    subject: 'CN=kube-apiserver',
    sans: options.sans,
    extKeyUsages: [ExtKeyUsage.ServerAuth],
  });
  const server: Server = createServer(
    {
      cert: serving.certPem,
      key: normalizePrivateKeyPem(serving.keyPem),
      ca: options.kubernetesCa.certPem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
    },
    handler(options),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.ip, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
