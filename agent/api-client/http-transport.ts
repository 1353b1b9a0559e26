/**
 * One HTTP call to the API with a timeout, the agent's bearer credential, the API's error body
 * turned into an {@link AgentApiError}, and bounded retries (exponential backoff with jitter) of
 * failures that may pass. Logs method, path, status and timing only: never headers or bodies.
 */
import type { Logger } from '../../shared/logger.js';
import { AgentApiCodes, AgentApiError } from './api-errors.js';
import { backoffDelay, sleep, type BackoffPolicy } from './backoff.js';

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** Base URL of the API, e.g. `https://rackpilot.example.com`. */
  baseUrl: string;
  /** Per-attempt timeout. Default 30 s. */
  timeoutMs?: number;
  /** Attempts per call (first included). Default 5. */
  attempts?: number;
  /** Backoff between attempts. Default 500 ms doubling to 10 s. */
  backoff?: BackoffPolicy;
  fetch?: typeof globalThis.fetch;
  logger?: Logger;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** One call. */
export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT';
  /** Path below the base URL, starting with `/`. */
  path: string;
  body?: unknown;
  /** Send `Authorization: Bearer` (default true). */
  auth?: boolean;
  /** Overrides the transport's attempts for this call (the claim long poll uses 1). */
  attempts?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Name for logs and metrics, e.g. `claim`. */
  operation: string;
}

/** A successful answer. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
}

/** Called after every failed attempt (for metrics). */
export type ApiErrorListener = (operation: string, error: AgentApiError) => void;

/** Makes calls to the API; holds the agent's credential. */
export class HttpTransport {
  private apiKey: string | undefined;
  private readonly listeners: ApiErrorListener[] = [];

  constructor(private readonly options: HttpTransportOptions) {}

  /** Sets the credential sent as `Authorization: Bearer`. */
  setApiKey(key: string): void {
    this.apiKey = key;
  }

  /** Whether a credential is set. */
  get hasApiKey(): boolean {
    return this.apiKey !== undefined;
  }

  /** Registers a listener of failed attempts. */
  onError(listener: ApiErrorListener): void {
    this.listeners.push(listener);
  }

  /**
   * Performs the call, retrying retryable failures up to the attempt budget.
   * Throws `AgentApiError` (the last one) when every attempt failed or a failure is not retryable,
   * or the signal's reason when the caller aborted.
   */
  async request(call: HttpCall): Promise<HttpAnswer> {
    const attempts = call.attempts ?? this.options.attempts ?? 5;
    const policy = this.options.backoff ?? { initialDelayMs: 500, maxDelayMs: 10_000 };
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.once(call);
      } catch (err) {
        if (!(err instanceof AgentApiError)) throw err;
        for (const listener of this.listeners) listener(call.operation, err);
        if (!err.retryable || attempt >= attempts || call.signal?.aborted) throw err;
        const wait = Math.max(backoffDelay(policy, attempt, this.options.random), (err.retryAfterSeconds ?? 0) * 1000);
        const delayMs = Math.min(wait, policy.maxDelayMs * 6);
        this.options.logger?.warn(
          { operation: call.operation, status: err.status, code: err.code, attempt, delayMs },
          'API call failed, retrying',
        );
        await (this.options.sleep ?? sleep)(delayMs, call.signal);
      }
    }
  }

  private async once(call: HttpCall): Promise<HttpAnswer> {
    const headers: Record<string, string> = { accept: 'application/json, application/yaml;q=0.9' };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.auth !== false && this.apiKey !== undefined) headers['authorization'] = `Bearer ${this.apiKey}`;
    const timeoutMs = call.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const url = new URL(call.path, this.options.baseUrl);
    const started = Date.now();
    let response: Response;
    let text: string;
    try {
      response = await (this.options.fetch ?? globalThis.fetch)(url, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal,
      });
      text = await response.text();
    } catch (err) {
      if (call.signal?.aborted) throw call.signal.reason;
      const reason = timeout.aborted ? `no answer within ${timeoutMs} ms` : describe(err);
      throw new AgentApiError(`API unreachable (${call.operation}): ${reason}`, {
        code: AgentApiCodes.Unreachable,
        status: 0,
        cause: err,
      });
    }
    const ms = Date.now() - started;
    this.options.logger?.debug({ operation: call.operation, status: response.status, ms }, 'API call');
    if (response.ok) return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
    throw errorFromResponse(call.operation, response, text);
  }
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

function errorFromResponse(operation: string, response: Response, text: string): AgentApiError {
  let body: { error?: unknown; code?: unknown; details?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not the API's error body (a proxy's HTML page, say): the status says enough.
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  return new AgentApiError(
    `API ${operation} failed with ${response.status}: ${typeof body.error === 'string' ? body.error : response.statusText}`,
    {
      code: typeof body.code === 'string' ? body.code : `HTTP_${response.status}`,
      status: response.status,
      details: body.details,
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    },
  );
}
