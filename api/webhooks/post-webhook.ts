import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isRackpilotError } from '../../shared/errors.js';
import { parseRetryAfter } from './backoff.js';
import type { EgressGuard } from './egress-guard.js';

/** What one delivery attempt came to. */
export interface PostOutcome {
  ok: boolean;
  durationMs: number;
  /** HTTP status, when the receiver answered. */
  status?: number;
  error?: string;
  /** The egress guard refused the destination: retrying cannot help. */
  forbidden?: boolean;
  retryAfterSeconds?: number;
}

/**
 * POSTs one signed body to a webhook URL: the host is resolved and checked by the egress guard at
 * this moment and the socket connects to the checked address; redirects are never followed (a 3xx
 * is a failed attempt: following it would bypass the guard); the whole attempt is bounded by
 * `timeoutMs`; at most 1 KiB of the answer is read.
 */
export async function postWebhook(options: {
  url: URL;
  guard: EgressGuard;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
}): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let target: { address: string; family: 4 | 6 };
  try {
    target = await options.guard.destination(options.url);
  } catch (err) {
    const forbidden = isRackpilotError(err);
    return { ok: false, durationMs: elapsed(), forbidden, error: err instanceof Error ? err.message : String(err) };
  }
  // Connect to the address just checked, whatever a second DNS answer would say (no rebinding).
  const lookup: LookupFunction = (_host, opts, callback) => {
    if ((opts as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
  const send = options.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<PostOutcome, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, durationMs: elapsed() });
    };
    const req = send(options.url, {
      method: 'POST',
      lookup,
      headers: { ...options.headers, 'Content-Length': String(Buffer.byteLength(options.body)) },
      agent: false,
    });
    const timer = setTimeout(() => {
      finish({ ok: false, error: `no answer within ${options.timeoutMs} ms` });
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (err) => finish({ ok: false, error: describeError(err) }));
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      const retryAfterSeconds = parseRetryAfter(res.headers['retry-after']);
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > 1024) res.destroy();
      });
      const done = () =>
        finish({
          ok,
          status,
          ...(ok
            ? {}
            : { error: status >= 300 && status < 400 ? `redirect (${status}) not followed` : `HTTP ${status}` }),
          ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
        });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.end(options.body);
  });
}

function describeError(err: Error & { code?: string }): string {
  return err.code ? `${err.code}: ${err.message}` : err.message;
}
