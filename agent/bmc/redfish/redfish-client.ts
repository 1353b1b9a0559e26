/**
 * A Redfish client for one BMC: authentication (a Redfish session when the service offers one,
 * else HTTP Basic), bounded retry of transient failures, per-BMC serialisation shared with the
 * IPMI driver's queue, and typed errors. Resources are plain JSON; the driver interprets them.
 */
import type { Agent } from 'node:https';
import type { RedfishTls } from '../../../shared/bmc-endpoint.js';
import type { Logger } from '../../../shared/logger.js';
import { redactText } from '../../exec/redact.js';
import { BmcCommandFailedError, type BmcErrorDetails, isBmcError } from '../bmc-errors.js';
import { bmcCommandQueue, type KeyedMutex } from '../bmc-queue.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from '../retry.js';
import { classifyRedfishResponse, classifyTransportError } from './redfish-failures.js';
import {
  createRedfishAgent,
  RedfishTransportError,
  type RedfishResponse,
  sendRedfishRequest,
  type RedfishRequest,
} from './redfish-transport.js';

/** Where a Redfish BMC is and how to log in. */
export interface RedfishEndpoint {
  host: string;
  port: number;
  username: string;
  password: string;
  tls: RedfishTls;
}

/** Tuning of {@link RedfishClient}; every field has a production default. */
export interface RedfishClientOptions {
  /** Cap on one request, connect to last byte. Default 30 s (BMCs answer a PATCH slowly). */
  requestTimeoutMs?: number;
  /** Retry of transient failures. Default {@link DEFAULT_RETRY_POLICY} (~60 s), as for IPMI. */
  retry?: RetryPolicy;
  /** Serialisation per BMC. Default: the process-wide BMC queue. */
  queue?: KeyedMutex;
  /** `session` forces a Redfish session, `basic` HTTP Basic; default: a session when the service root links one. */
  auth?: 'auto' | 'session' | 'basic';
  logger?: Logger;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

type Method = RedfishRequest['method'];

/** A request's answer when it succeeded (2xx). */
export interface RedfishResult {
  status: number;
  body: unknown;
  headers: RedfishResponse['headers'];
}

interface Session {
  token: string;
  /** Path of the session resource, deleted on close. */
  location: string | undefined;
}

/** One attempt only: for optional resources, where a failure means "not reported", not "try again". */
export const NO_RETRY: RetryPolicy = { totalMs: 0, initialDelayMs: 0, maxDelayMs: 0, multiplier: 1 };

/** Talks Redfish to one BMC. */
export class RedfishClient {
  readonly key: string;
  private readonly agent: Agent;
  private session: Session | undefined;
  private sessionsPath: string | null | undefined;

  constructor(
    private readonly endpoint: RedfishEndpoint,
    private readonly options: RedfishClientOptions = {},
  ) {
    this.key = `${endpoint.host}:${endpoint.port}`;
    this.agent = createRedfishAgent({ host: endpoint.host, port: endpoint.port, tls: endpoint.tls });
  }

  get(path: string, operation: string, signal?: AbortSignal, retry?: RetryPolicy): Promise<RedfishResult> {
    return this.request('GET', path, operation, { signal, retry });
  }

  /**
   * Sends one request with authentication, retrying what may pass (unreachable, 5xx, 409/412, an
   * expired session once). 2xx resolves; anything else throws a typed BMC error.
   */
  async request(
    method: Method,
    path: string,
    operation: string,
    extra: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal; retry?: RetryPolicy } = {},
  ): Promise<RedfishResult> {
    const details: BmcErrorDetails = { bmc: this.key, operation };
    return withRetry(
      () =>
        (this.options.queue ?? bmcCommandQueue).run(this.key, async () => {
          let response = await this.send(method, path, await this.authHeaders(operation, extra.signal), extra, details);
          if (response.status === 401 && this.session !== undefined) {
            // Sessions expire (iDRAC: 30 min idle) or are dropped when the BMC restarts: log in again once.
            this.session = undefined;
            response = await this.send(method, path, await this.authHeaders(operation, extra.signal), extra, details);
          }
          if (response.status >= 200 && response.status < 300) {
            return { status: response.status, body: response.body, headers: response.headers };
          }
          throw this.redacted(classifyRedfishResponse(response, details));
        }),
      extra.retry ?? this.options.retry ?? DEFAULT_RETRY_POLICY,
      {
        signal: extra.signal,
        sleep: this.options.sleep,
        onRetry: ({ attempt, delayMs, error }) =>
          this.options.logger?.warn(
            {
              bmc: this.key,
              operation,
              attempt,
              delayMs,
              err: { type: (error as { type?: string }).type, message: (error as Error).message },
            },
            'Redfish request failed, retrying',
          ),
      },
    );
  }

  /** Logs out (deletes the session) and closes connections. Never throws. */
  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session?.location !== undefined) {
      try {
        await sendRedfishRequest(this.agent, this.target(), {
          method: 'DELETE',
          path: session.location,
          headers: { 'X-Auth-Token': session.token },
          timeoutMs: 5_000,
        });
      } catch {
        // The session times out on the BMC by itself.
      }
    }
    this.agent.destroy();
  }

  private target() {
    return { host: this.endpoint.host, port: this.endpoint.port, tls: this.endpoint.tls };
  }

  private async send(
    method: Method,
    path: string,
    auth: Record<string, string>,
    extra: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal },
    details: BmcErrorDetails,
  ): Promise<RedfishResponse> {
    const started = performance.now();
    try {
      const response = await sendRedfishRequest(this.agent, this.target(), {
        method,
        path,
        headers: { ...auth, ...extra.headers },
        body: extra.body,
        timeoutMs: this.options.requestTimeoutMs ?? 30_000,
        signal: extra.signal,
      });
      this.options.logger?.debug(
        { bmc: this.key, method, path, status: response.status, durationMs: Math.round(performance.now() - started) },
        'redfish',
      );
      return response;
    } catch (err) {
      if (err instanceof RedfishTransportError) throw this.redacted(classifyTransportError(err, details));
      throw err;
    }
  }

  private async authHeaders(operation: string, signal?: AbortSignal): Promise<Record<string, string>> {
    const mode = this.options.auth ?? 'auto';
    if (mode !== 'basic') {
      if (this.session === undefined) {
        const sessionsPath = await this.findSessionsPath(operation, signal, mode === 'session');
        if (sessionsPath !== null) this.session = await this.login(operation, sessionsPath, signal);
      }
      if (this.session !== undefined) return { 'X-Auth-Token': this.session.token };
    }
    const basic = Buffer.from(`${this.endpoint.username}:${this.endpoint.password}`).toString('base64');
    return { Authorization: `Basic ${basic}` };
  }

  /** The SessionService's Sessions collection from the (unauthenticated) service root; null when none. */
  private async findSessionsPath(
    operation: string,
    signal: AbortSignal | undefined,
    required: boolean,
  ): Promise<string | null> {
    if (this.sessionsPath !== undefined) return this.sessionsPath;
    const details = { bmc: this.key, operation };
    const root = await this.send('GET', '/redfish/v1/', {}, { signal }, details);
    if (root.status !== 200) throw this.redacted(classifyRedfishResponse(root, details));
    const body = root.body as {
      Links?: { Sessions?: { '@odata.id'?: string } };
      SessionService?: { '@odata.id'?: string };
    };
    const path =
      body.Links?.Sessions?.['@odata.id'] ?? (body.SessionService ? '/redfish/v1/SessionService/Sessions' : undefined);
    if (path === undefined && required) {
      throw new BmcCommandFailedError(`BMC ${this.key} offers no Redfish SessionService`, {
        retryable: false,
        details,
      });
    }
    this.sessionsPath = path ?? null;
    return this.sessionsPath;
  }

  private async login(operation: string, sessionsPath: string, signal?: AbortSignal): Promise<Session> {
    const details = { bmc: this.key, operation: `${operation} (login)` };
    const response = await this.send(
      'POST',
      sessionsPath,
      {},
      { body: { UserName: this.endpoint.username, Password: this.endpoint.password }, signal },
      details,
    );
    const token = response.headers['x-auth-token'];
    if (response.status >= 300 || typeof token !== 'string') {
      throw this.redacted(
        classifyRedfishResponse(response.status >= 300 ? response : { ...response, status: 502 }, details),
      );
    }
    const location = response.headers.location;
    return { token, location: typeof location === 'string' ? new URL(location, 'https://bmc').pathname : undefined };
  }

  /** A BMC may echo what it was sent; no error detail ever carries the password. */
  private redacted<E>(err: E): E {
    if (isBmcError(err)) {
      err.message = redactText(err.message, [this.endpoint.password]);
      if (err.details.output !== undefined)
        err.details.output = redactText(err.details.output, [this.endpoint.password]);
    }
    return err;
  }
}
