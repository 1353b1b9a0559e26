import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { AgentApiClient } from './agent-api-client.js';
import { AgentApiError, isJobWithdrawn } from './api-errors.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
const KEY = 'rpa_secret_key_value_0123456789';
let server: Server | undefined;

async function serve(
  handler: Handler,
): Promise<{ url: string; requests: { path: string; auth?: string; body: string }[] }> {
  const requests: { path: string; auth?: string; body: string }[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', auth: req.headers.authorization, body });
      handler(req, body, res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) });
  return { logger: createLogger('agent', { level: 'debug', destination }), lines };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
const fast = { backoff: { initialDelayMs: 5, maxDelayMs: 20 } };

async function stopServer(): Promise<void> {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
}

afterEach(stopServer);

describe('AgentApiClient', () => {
  it('sends the bearer credential and parses a claimed job, and null on 204', async () => {
    let first = true;
    const { url, requests } = await serve((_req, _b, res) => {
      if (!first) return res.writeHead(204).end();
      first = false;
      json(res, 200, {
        job: {
          id: 'j1',
          kind: 'bmc.status',
          payload: { assetId: 'a1' },
          claimToken: 't',
          attempt: 1,
          leaseSeconds: 60,
        },
      });
    });
    const client = new AgentApiClient({ baseUrl: url, ...fast });
    client.setApiKey(KEY);
    expect(await client.claim({ waitSeconds: 0 })).toMatchObject({ id: 'j1', kind: 'bmc.status' });
    expect(await client.claim({ waitSeconds: 0 })).toBeNull();
    expect(requests[0]).toMatchObject({ path: '/api/v1/agent/jobs/claim', auth: `Bearer ${KEY}` });
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({ waitSeconds: 0 });
  });

  it('turns the API error body into a typed error carrying code and status (409 JOB_WITHDRAWN)', async () => {
    const { url, requests } = await serve((_req, _b, res) =>
      json(res, 409, { error: 'Job withdrawn', code: 'JOB_WITHDRAWN' }),
    );
    const client = new AgentApiClient({ baseUrl: url, ...fast });
    const err = await client.jobHeartbeat('j1', { claimToken: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentApiError);
    expect(err).toMatchObject({ code: 'JOB_WITHDRAWN', status: 409, retryable: false });
    expect(isJobWithdrawn(err)).toBe(true);
    expect(requests).toHaveLength(1); // a 4xx is never retried
  });

  it('retries 503 with backoff and succeeds when the API recovers', async () => {
    let calls = 0;
    const { url } = await serve((_req, _b, res) => {
      calls += 1;
      if (calls < 3) return json(res, 503, { error: 'down', code: 'UNAVAILABLE' });
      json(res, 200, { agentId: 'ag1', siteId: 's1', apiKey: KEY });
    });
    const client = new AgentApiClient({ baseUrl: url, ...fast });
    expect(
      await client.register({ enrollmentToken: 'enroll-0123456789abcdef', name: 'a', version: '1' }),
    ).toMatchObject({ agentId: 'ag1' });
    expect(calls).toBe(3);
  });

  it('gives up after its attempt budget when the API is unreachable, with API_UNREACHABLE', async () => {
    const { url } = await serve(() => undefined);
    await stopServer();
    const client = new AgentApiClient({ baseUrl: url, attempts: 3, ...fast });
    const failed: string[] = [];
    client.onError((operation, e) => failed.push(`${operation}:${e.code}`));
    await expect(client.heartbeat({ version: '1', capabilities: [] })).rejects.toMatchObject({
      code: 'API_UNREACHABLE',
      status: 0,
    });
    expect(failed).toEqual(['heartbeat:API_UNREACHABLE', 'heartbeat:API_UNREACHABLE', 'heartbeat:API_UNREACHABLE']);
  });

  it('times out a call that gets no answer', async () => {
    const { url } = await serve(() => undefined); // never answers
    const client = new AgentApiClient({ baseUrl: url, attempts: 1, timeoutMs: 100 });
    await expect(client.bmcCredentials('a1')).rejects.toThrow(/no answer within 100 ms/);
  });

  it('refuses an answer that breaks the contract as API_BAD_RESPONSE', async () => {
    const { url } = await serve((_req, _b, res) => json(res, 200, { driver: 'redfish' }));
    const client = new AgentApiClient({ baseUrl: url, ...fast });
    await expect(client.bmcCredentials('a1')).rejects.toMatchObject({ code: 'API_BAD_RESPONSE' });
  });

  it('returns documents as text, escaping ids into the path', async () => {
    const { url, requests } = await serve((_req, _b, res) =>
      res.writeHead(200, { 'content-type': 'application/yaml' }).end('context: c1\n'),
    );
    const client = new AgentApiClient({ baseUrl: url, ...fast });
    expect(await client.document('talosconfig', 'c/1')).toBe('context: c1\n');
    expect(requests[0]?.path).toBe('/api/v1/agent/clusters/c%2F1/talosconfig');
  });

  it('never writes the credential, or a returned password, to its logs', async () => {
    let calls = 0;
    const { url } = await serve((_req, _b, res) => {
      calls += 1;
      if (calls === 1) return json(res, 502, { error: 'bad gateway' });
      json(res, 200, {
        driver: 'ipmi',
        address: '127.0.0.1',
        port: 623,
        username: 'admin',
        password: 'bmc-Pa55word',
        cipherSuite: 3,
      });
    });
    const { logger, lines } = capturedLogger();
    const client = new AgentApiClient({ baseUrl: url, logger, ...fast });
    client.setApiKey(KEY);
    expect((await client.bmcCredentials('a1')).password).toBe('bmc-Pa55word');
    expect(lines.length).toBeGreaterThanOrEqual(2); // the retry warning and the debug line
    expect(lines.join('')).not.toContain(KEY);
    expect(lines.join('')).not.toContain('bmc-Pa55word');
  });
});
