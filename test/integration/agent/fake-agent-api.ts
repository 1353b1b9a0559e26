/**
 * An in-test API speaking the agent contract (`shared/agent-protocol.ts`) over real HTTP on
 * 127.0.0.1, with an in-memory job queue. It checks every request body against the contract's
 * schemas, so the agent under test cannot drift from it. It can be stopped and restarted on the
 * same port to play "API down".
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { z } from 'zod';
import {
  agentEventRequestSchema,
  agentHeartbeatRequestSchema,
  agentRegisterRequestSchema,
  jobClaimRequestSchema,
  jobCompleteRequestSchema,
  jobFailRequestSchema,
  jobHeartbeatRequestSchema,
  type AgentBmcCredentials,
} from '../../../shared/agent-protocol.js';
import type { JobFailure } from '../../../shared/jobs.js';

/** A job as the fake API holds it. */
export interface FakeJob {
  id: string;
  kind: string;
  payload: unknown;
  state: 'queued' | 'claimed' | 'completed' | 'failed' | 'withdrawn';
  claimToken?: string;
  heartbeats: { progress?: unknown; logs?: string[] }[];
  result?: unknown;
  failure?: JobFailure;
}

type Reply = { status: number; body?: unknown; text?: string };
const error = (status: number, code: string, message: string): Reply => ({ status, body: { error: message, code } });

export class FakeAgentApi {
  readonly jobs = new Map<string, FakeJob>();
  readonly heartbeats: z.infer<typeof agentHeartbeatRequestSchema>[] = [];
  readonly events: unknown[] = [];
  readonly registrations: string[] = [];
  readonly bmc = new Map<string, AgentBmcCredentials>();
  readonly documents = new Map<string, string>();
  /** Bearer credentials seen on authenticated calls. */
  readonly credentialsSeen = new Set<string>();
  readonly enrollmentToken = `enroll-${randomBytes(12).toString('hex')}`;
  private readonly apiKey = `rpa_${randomBytes(16).toString('hex')}`;
  private readonly waiters = new Set<() => void>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private nextId = 1;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens (again, on the same port after `stop()`). */
  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => (this.sockets.add(s), s.on('close', () => this.sockets.delete(s))));
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and drops every connection: the agent sees "connection refused". */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const wake of this.waiters) wake();
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Queues a job and wakes a waiting claim. */
  enqueue(kind: string, payload: unknown): FakeJob {
    const job: FakeJob = { id: `job-${this.nextId++}`, kind, payload, state: 'queued', heartbeats: [] };
    this.jobs.set(job.id, job);
    for (const wake of this.waiters) wake();
    return job;
  }

  /** Withdraws a job: its next heartbeat or report gets 409 JOB_WITHDRAWN. */
  withdraw(id: string): void {
    const job = this.jobs.get(id);
    if (job) job.state = 'withdrawn';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += (chunk as Buffer).toString();
    // A claim whose caller went away must not take a job (the real API's lease would hide that job for a while).
    const gone = { value: false };
    res.on('close', () => (gone.value = !res.writableFinished));
    const reply = await this.route(req.method ?? 'GET', req.url ?? '/', req.headers.authorization, text, gone);
    if (reply.text !== undefined) res.writeHead(reply.status, { 'content-type': 'application/yaml' }).end(reply.text);
    else if (reply.body === undefined) res.writeHead(reply.status).end();
    else res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
  }

  private async route(
    method: string,
    url: string,
    auth: string | undefined,
    text: string,
    gone: { value: boolean },
  ): Promise<Reply> {
    const path = url.replace(/^\/api\/v1\/agent/, '');
    const body: unknown = text ? JSON.parse(text) : undefined;
    const valid = <S extends z.ZodType>(schema: S): z.infer<S> | undefined => schema.safeParse(body).data;
    if (method === 'POST' && path === '/register') {
      const request = valid(agentRegisterRequestSchema);
      if (!request) return error(400, 'VALIDATION_FAILED', 'bad register body');
      if (request.enrollmentToken !== this.enrollmentToken || this.registrations.length > 0) {
        return error(401, 'UNAUTHORIZED', 'Invalid or used enrollment token');
      }
      this.registrations.push(request.name);
      return { status: 200, body: { agentId: 'agent-1', siteId: 'site-1', apiKey: this.apiKey } };
    }
    if (auth !== `Bearer ${this.apiKey}`) return error(401, 'UNAUTHORIZED', 'Invalid or missing API key');
    this.credentialsSeen.add(auth);
    if (method === 'POST' && path === '/heartbeat') {
      const request = valid(agentHeartbeatRequestSchema);
      if (!request) return error(400, 'VALIDATION_FAILED', 'bad heartbeat body');
      this.heartbeats.push(request);
      return { status: 204 };
    }
    if (method === 'POST' && path === '/jobs/claim') return this.claim(valid(jobClaimRequestSchema), gone);
    if (method === 'POST' && path === '/events') {
      if (!valid(agentEventRequestSchema)) return error(400, 'VALIDATION_FAILED', 'bad event');
      this.events.push(body);
      return { status: 202 };
    }
    const jobCall = /^\/jobs\/([^/]+)\/(heartbeat|complete|fail)$/.exec(path);
    if (method === 'POST' && jobCall) return this.jobCall(decodeURIComponent(jobCall[1] ?? ''), jobCall[2] ?? '', body);
    const asset = /^\/(assets|clusters)\/([^/]+)\/(bmc|machine-config|talosconfig|kubeconfig)$/.exec(path);
    if (method === 'GET' && asset) {
      const [, , id = '', what = ''] = asset;
      if (what === 'bmc') {
        const creds = this.bmc.get(decodeURIComponent(id));
        return creds ? { status: 200, body: creds } : error(404, 'ASSET_NOT_FOUND', 'Asset not found');
      }
      const document = this.documents.get(`${what}/${decodeURIComponent(id)}`);
      return document ? { status: 200, text: document } : error(404, 'CLUSTER_NOT_FOUND', 'Cluster not found');
    }
    return error(404, 'NOT_FOUND', `no route ${method} ${path}`);
  }

  private async claim(
    request: z.infer<typeof jobClaimRequestSchema> | undefined,
    gone: { value: boolean },
  ): Promise<Reply> {
    if (!request) return error(400, 'VALIDATION_FAILED', 'bad claim body');
    const deadline = Date.now() + request.waitSeconds * 1000;
    for (;;) {
      if (gone.value) return { status: 204 };
      const job = [...this.jobs.values()].find((j) => j.state === 'queued');
      if (job) {
        job.state = 'claimed';
        job.claimToken = randomBytes(8).toString('hex');
        const { id, kind, payload, claimToken } = job;
        return { status: 200, body: { job: { id, kind, payload, claimToken, attempt: 1, leaseSeconds: 60 } } };
      }
      if (Date.now() >= deadline || !this.server) return { status: 204 };
      await new Promise<void>((resolve) => {
        const wake = (): void => (this.waiters.delete(wake), clearTimeout(timer), resolve());
        const timer = setTimeout(wake, Math.max(0, deadline - Date.now()));
        this.waiters.add(wake);
      });
    }
  }

  private jobCall(id: string, action: string, body: unknown): Reply {
    const job = this.jobs.get(id);
    if (!job) return error(404, 'JOB_NOT_FOUND', 'Job not found');
    if (job.state === 'withdrawn') return error(409, 'JOB_WITHDRAWN', 'Job withdrawn');
    const token = (body as { claimToken?: unknown } | undefined)?.claimToken;
    if (job.state !== 'claimed' || token !== job.claimToken) return error(409, 'JOB_NOT_CLAIMED', 'Stale claim');
    if (action === 'heartbeat') {
      const request = jobHeartbeatRequestSchema.safeParse(body);
      if (!request.success) return error(400, 'VALIDATION_FAILED', 'bad job heartbeat');
      job.heartbeats.push({ progress: request.data.progress, logs: request.data.logs });
      return { status: 204 };
    }
    if (action === 'complete') {
      const request = jobCompleteRequestSchema.safeParse(body);
      if (!request.success) return error(400, 'VALIDATION_FAILED', 'bad completion');
      Object.assign(job, { state: 'completed', result: request.data.result });
      return { status: 204 };
    }
    const request = jobFailRequestSchema.safeParse(body);
    if (!request.success) return error(400, 'VALIDATION_FAILED', 'bad failure');
    Object.assign(job, { state: 'failed', failure: request.data.failure });
    return { status: 204 };
  }
}
