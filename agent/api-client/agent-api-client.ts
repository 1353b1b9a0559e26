/**
 * Typed client of the agent ↔ API contract (`shared/agent-protocol.ts`). Every request body is
 * built from the contract's schemas and every answer is checked against them, so a drift between
 * agent and API shows up as `API_BAD_RESPONSE` rather than as a confusing failure later.
 */
import { z } from 'zod';
import {
  AGENT_API_PREFIX,
  agentBmcCredentialsSchema,
  agentRegisterResponseSchema,
  claimedJobSchema,
  type AgentBmcCredentials,
  type AgentBmcProtocolRequest,
  type AgentEventRequest,
} from '../../shared/agent-protocol.js';
import type { BmcProtocol } from '../../shared/bmc-endpoint.js';
import type { JobFailure, JobKind } from '../../shared/jobs.js';
import { AgentApiCodes, AgentApiError } from './api-errors.js';
import { HttpTransport, type ApiErrorListener, type HttpCall, type HttpTransportOptions } from './http-transport.js';

/** A claimed job as the agent sees it: `kind` is any string, so a kind this agent does not know is failed, not lost. */
export const looseClaimedJobSchema = claimedJobSchema.extend({ kind: z.string().min(1) });
export type ClaimedJob = z.infer<typeof looseClaimedJobSchema>;

export type AgentRegistration = z.infer<typeof agentRegisterResponseSchema>;

/** The documents the API hands the agent, by kind: the first is per asset, the others per cluster. */
export type AgentDocument = 'machine-config' | 'talosconfig' | 'kubeconfig';

/** Calls of the agent API, as the daemon and the job context use them. */
export class AgentApiClient {
  private readonly http: HttpTransport;

  constructor(options: HttpTransportOptions) {
    this.http = new HttpTransport(options);
  }

  /** Sets the agent credential used from now on. */
  setApiKey(key: string): void {
    this.http.setApiKey(key);
  }

  /** Registers a listener of every failed attempt (metrics). */
  onError(listener: ApiErrorListener): void {
    this.http.onError(listener);
  }

  /** Exchanges the one-time enrollment token for the agent's own credential. */
  async register(request: { enrollmentToken: string; name: string; version: string }): Promise<AgentRegistration> {
    const answer = await this.json({
      method: 'POST',
      path: '/register',
      body: request,
      auth: false,
      operation: 'register',
    });
    return parse(agentRegisterResponseSchema, answer, 'register');
  }

  /** Reports liveness, capabilities and the boot server URL. */
  async heartbeat(request: {
    version: string;
    capabilities: JobKind[];
    bootServerUrl?: string;
    runningJobs?: number;
  }): Promise<void> {
    await this.call({ method: 'POST', path: '/heartbeat', body: request, operation: 'heartbeat' });
  }

  /**
   * Long-polls for a job: returns it, or `null` when none came within `waitSeconds`. One attempt:
   * the daemon's loop does the backing off.
   */
  async claim(request: { waitSeconds: number; kinds?: JobKind[] }, signal?: AbortSignal): Promise<ClaimedJob | null> {
    const answer = await this.http.request({
      method: 'POST',
      path: `${AGENT_API_PREFIX}/jobs/claim`,
      body: request,
      attempts: 1,
      timeoutMs: request.waitSeconds * 1000 + 15_000,
      signal,
      operation: 'claim',
    });
    if (answer.status === 204 || answer.text === '') return null;
    const body = parse(
      z.object({ job: looseClaimedJobSchema.nullable().optional() }),
      json(answer.text, 'claim'),
      'claim',
    );
    return body.job ?? null;
  }

  /** Sends a job heartbeat. Throws `AgentApiError` with code `JOB_WITHDRAWN` when the job was withdrawn. */
  async jobHeartbeat(
    jobId: string,
    request: { claimToken: string; progress?: unknown; logs?: string[] },
  ): Promise<void> {
    await this.call({
      method: 'POST',
      path: `/jobs/${enc(jobId)}/heartbeat`,
      body: request,
      attempts: 2,
      operation: 'jobHeartbeat',
    });
  }

  /** Completes a job with its result. */
  async completeJob(jobId: string, request: { claimToken: string; result: unknown }): Promise<void> {
    await this.call({ method: 'POST', path: `/jobs/${enc(jobId)}/complete`, body: request, operation: 'completeJob' });
  }

  /** Fails a job. */
  async failJob(jobId: string, request: { claimToken: string; failure: JobFailure }): Promise<void> {
    await this.call({ method: 'POST', path: `/jobs/${enc(jobId)}/fail`, body: request, operation: 'failJob' });
  }

  /** Reports a boot event. */
  async postEvent(event: AgentEventRequest): Promise<void> {
    await this.call({ method: 'POST', path: '/events', body: event, attempts: 3, operation: 'postEvent' });
  }

  /** Returns how to reach an asset's BMC, password included. */
  async bmcCredentials(assetId: string): Promise<AgentBmcCredentials> {
    const answer = await this.json({ method: 'GET', path: `/assets/${enc(assetId)}/bmc`, operation: 'bmcCredentials' });
    return parse(agentBmcCredentialsSchema, answer, 'bmcCredentials');
  }

  /** Records the protocol the agent found the BMC of an asset enrolled with `driver: detect` to speak. */
  async reportBmcProtocol(assetId: string, protocol: BmcProtocol, port: number): Promise<void> {
    const body: AgentBmcProtocolRequest = { protocol, port };
    await this.call({
      method: 'PUT',
      path: `/assets/${enc(assetId)}/bmc/protocol`,
      body,
      attempts: 3,
      operation: 'reportBmcProtocol',
    });
  }

  /** Returns a secret document: an asset's machine config, a cluster's talosconfig or kubeconfig (YAML). */
  async document(kind: AgentDocument, id: string): Promise<string> {
    const owner = kind === 'machine-config' ? 'assets' : 'clusters';
    const answer = await this.call({ method: 'GET', path: `/${owner}/${enc(id)}/${kind}`, operation: kind });
    if (answer.text.trim() === '') {
      throw new AgentApiError(`API ${kind} answered an empty document`, {
        code: AgentApiCodes.BadResponse,
        status: 502,
      });
    }
    return answer.text;
  }

  private call(call: HttpCall): ReturnType<HttpTransport['request']> {
    return this.http.request({ ...call, path: `${AGENT_API_PREFIX}${call.path}` });
  }

  private async json(call: HttpCall): Promise<unknown> {
    return json((await this.call(call)).text, call.operation);
  }
}

const enc = encodeURIComponent;

function json(text: string, operation: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AgentApiError(`API ${operation} answered something other than JSON`, {
      code: AgentApiCodes.BadResponse,
      status: 502,
      cause,
    });
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown, operation: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AgentApiError(`API ${operation} answer breaks the agent contract`, {
    code: AgentApiCodes.BadResponse,
    status: 502,
    details: result.error.issues.map((i) => ({ path: i.path.join('.'), problem: i.message })),
  });
}
