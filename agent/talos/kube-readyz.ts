import { request } from 'node:https';
import { normalizePrivateKeyPem } from './talos-credentials.js';
import { parseAdminKubeconfig, type AdminCredentials } from './kubeconfig.js';
import { deadlineMs, nextDelay, sleep } from './retry.js';
import { TalosError, TalosErrorCodes } from './talos-errors.js';

/**
 * Waits for a Kubernetes API server to report ready (`GET /readyz` → 200 `ok`) using the admin
 * kubeconfig's CA and client certificate, as `kubectl get --raw /readyz` would.
 */

/** One probe's outcome, passed to the progress callback. */
export interface ReadyzProgress {
  attempt: number;
  /** HTTP status, or undefined when no HTTP answer came (refused, TLS failure, timeout). */
  status: number | undefined;
  /** Short reason: the body of a non-200 answer, or the connection error. */
  message: string;
  elapsedMs: number;
}

/** Options of {@link waitForKubeReadyz}. */
export interface KubeReadyzOptions {
  /** The admin kubeconfig YAML (or its already-parsed credentials). */
  kubeconfig: string | AdminCredentials;
  /** Give up at this time. */
  deadline: Date | number;
  /** Probe a specific node instead of the kubeconfig's server, e.g. `https://10.0.0.11:6443`. */
  server?: string;
  /** Timeout of one probe. Default 5 s. */
  probeTimeoutMs?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  onProgress?: (progress: ReadyzProgress) => void;
  signal?: AbortSignal;
}

const TLS_REFUSED = /certificate|self[- ]signed|unable to (get|verify)|ERR_TLS|alert|Hostname\/IP/i;

type Probe = { status: number | undefined; body: string; tlsFailure: boolean };

function probe(credentials: AdminCredentials, server: string, timeoutMs: number): Promise<Probe> {
  const url = new URL('/readyz', server);
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'GET',
      ca: credentials.caPem,
      cert: credentials.certPem,
      key: normalizePrivateKeyPem(credentials.keyPem),
      minVersion: 'TLSv1.2',
      timeout: timeoutMs,
      headers: { accept: 'text/plain' },
      agent: false,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          body: Buffer.concat(chunks).toString('utf8').slice(0, 500),
          tlsFailure: false,
        }),
      );
      res.on('error', (err) => resolve({ status: undefined, body: err.message, tlsFailure: false }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const text = `${err.code ?? ''} ${err.message}`.trim();
      resolve({ status: undefined, body: text, tlsFailure: TLS_REFUSED.test(text) });
    });
    req.end();
  });
}

/**
 * Resolves once `/readyz` answers 200 `ok`. Retries connection failures and non-200 answers
 * with backoff until the deadline (`KubeApiNotReady`); a 401/403 or a server certificate that
 * does not verify against the kubeconfig's CA fails at once (`KubeAuthFailed`).
 */
export async function waitForKubeReadyz(options: KubeReadyzOptions): Promise<void> {
  const credentials =
    typeof options.kubeconfig === 'string' ? parseAdminKubeconfig(options.kubeconfig) : options.kubeconfig;
  const server = options.server ?? credentials.server;
  const deadline = deadlineMs(options.deadline);
  const backoff = { initialDelayMs: options.initialDelayMs ?? 250, maxDelayMs: options.maxDelayMs ?? 3_000 };
  const started = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    const timeout = Math.max(1, Math.min(options.probeTimeoutMs ?? 5_000, deadline - Date.now()));
    const result = await probe(credentials, server, timeout);
    const ready = result.status === 200 && result.body.trim() === 'ok';
    const message = ready ? 'ok' : (result.body.trim().split('\n').slice(-1)[0] ?? '');
    options.onProgress?.({ attempt, status: result.status, message, elapsedMs: Date.now() - started });
    if (ready) return;
    if (result.status === 401 || result.status === 403 || result.tlsFailure) {
      throw new TalosError(
        TalosErrorCodes.KubeAuthFailed,
        `Kubernetes API ${server} refused the admin credentials or failed TLS: ${result.status ?? ''} ${message}`.replace(
          /\s+/g,
          ' ',
        ),
        {
          details: { server, status: result.status },
        },
      );
    }
    if (Date.now() >= deadline) {
      throw new TalosError(
        TalosErrorCodes.KubeApiNotReady,
        `Kubernetes API ${server} not ready before the deadline (last: ${result.status ?? 'no answer'} ${message})`,
        {
          details: { server, attempts: attempt, lastStatus: result.status },
        },
      );
    }
    await sleep(nextDelay(backoff, attempt, deadline), options.signal);
  }
}
