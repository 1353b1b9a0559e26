import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildAsset } from '../../support/orchestration-harness.js';
import { uniqueName } from '../../support/services.js';
import { documentedBody } from '../api/documented-body.js';
import { ApiHarness, type TestApi } from '../api/harness.js';

const env = {
  RACKPILOT_RATE_LIMIT_PER_MINUTE: '100000',
  RACKPILOT_RATE_LIMIT_PER_HOUR: '1000000',
  RACKPILOT_EVENTS_POLL_MS: '100',
  // Short, so the restart test proves the shared fan-out position (not the lookback) carries the gap.
  RACKPILOT_EVENTS_LOOKBACK_MS: '300',
  RACKPILOT_WEBHOOK_POLL_MS: '100',
  RACKPILOT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
  RACKPILOT_WEBHOOK_MAX_ATTEMPTS: '3',
  RACKPILOT_WEBHOOK_BACKOFF_BASE_MS: '150',
  RACKPILOT_WEBHOOK_BACKOFF_MAX_MS: '600',
  RACKPILOT_WEBHOOK_TIMEOUT_MS: '2000',
  // Replicas share the master key (each would open the others' sealed secrets).
  RACKPILOT_MASTER_KEY: randomBytes(32).toString('base64'),
};

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A webhook receiver on 127.0.0.1: records every request; answers per path from a scripted list, then 200. */
class Receiver {
  readonly received: Received[] = [];
  private readonly script = new Map<string, number[]>();
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.received.push({ path, headers: req.headers, body, at: Date.now() });
        if (path === '/hang') return; // never answers
        const status = this.script.get(path)?.shift() ?? 200;
        const location = status >= 300 && status < 400 ? { location: `${this.url}/redirected` } : {};
        res.writeHead(status, { 'content-type': 'text/plain', ...location }).end(status < 300 ? 'ok' : 'nope');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The next answers to requests on `path`. */
  answer(path: string, ...statuses: number[]): void {
    this.script.set(path, statuses);
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}

/** Verifies a delivery the way a receiver would, with node:crypto only (the README recipe). */
function signatureValid(secret: string, r: Received): boolean {
  const header = String(r.headers['x-rackpilot-signature'] ?? '');
  const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
  const v1 = /(?:^|,)v1=([0-9a-f]{64})/.exec(header)?.[1];
  if (!t || !v1 || Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${r.body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}

async function eventually<T>(read: () => Promise<T> | T, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached in ${ms} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhooks', () => {
  const h = new ApiHarness();
  const receiver = new Receiver();
  let api: TestApi;
  let org: Awaited<ReturnType<ApiHarness['organization']>>;
  let other: Awaited<ReturnType<ApiHarness['organization']>>;
  let siteId: string;
  let otherSiteId: string;

  beforeAll(async () => {
    await h.open('res_webhooks');
    await receiver.start();
    api = await h.start({ env: { ...env, RACKPILOT_TASK_QUEUE: uniqueName('webhooks') } });
    await api.container.webhookDispatcher.start();
    org = await h.organization(api, 'Hooks');
    other = await h.organization(api, 'Elsewhere');
    siteId = await h.site(api, org.adminKey, 'wh-1');
    otherSiteId = await h.site(api, other.adminKey, 'wh-1');
  });
  afterAll(async () => {
    await h.finish(api);
    await receiver.stop();
  });

  const create = async (body: Record<string, unknown>, key = org.adminKey) => {
    const res = await api.request('POST', '/api/v1/webhooks', { key, body });
    if (res.status === 201) h.secrets.add(res.body.secret);
    return res;
  };
  const transition = async (o = org, site = siteId) => {
    const asset = buildAsset({ orgId: o.orgId, siteId: site, state: 'available' });
    await api.container.repositories.assets.insert(asset);
    const res = await api.request('POST', `/api/v1/assets/${asset._id}/maintenance`, {
      key: o.adminKey,
      body: { enabled: true },
    });
    expect(res.status, res.text).toBe(200);
    return asset._id;
  };
  const deliveries = async (webhookId: string, key = org.adminKey) =>
    (await api.request('GET', `/api/v1/webhooks/${webhookId}/deliveries`, { key })).body.deliveries as {
      id: string;
      state: string;
      attemptCount: number;
      nextAttemptAt: string | null;
      event: { id: string; type: string; data: Record<string, unknown> };
      attempts: { number: number; at: string; status: number | null; durationMs: number; error: string | null }[];
    }[];

  // First in the file: no webhook exists yet.
  it('reads no event log while no webhook exists, yet delivers what follows the first one’s creation', async () => {
    const reads = vi.spyOn(api.container.repositories.events, 'after');
    await transition(); // nobody could receive this one
    await new Promise((r) => setTimeout(r, 500)); // five rounds of the dispatcher
    expect(reads).not.toHaveBeenCalled();
    const hook = await create({ url: `${receiver.url}/first`, events: ['asset.state_changed'] });
    const assetId = await transition();
    const [got] = await eventually(
      () => receiver.on('/first'),
      (r) => r.length >= 1,
    );
    expect(JSON.parse(got!.body).data.assetId).toBe(assetId);
    expect(reads).toHaveBeenCalled();
    reads.mockRestore();
    await eventually(
      () => deliveries(hook.body.id),
      (d) => d.length === 1 && d[0]!.state === 'delivered',
    );
  });

  it('registers a webhook, returns a generated secret once and never again', async () => {
    const res = await create({ url: `${receiver.url}/once`, events: ['asset.*'], description: 'CMDB sync' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^whk_[0-9a-f]{16}$/),
      url: `${receiver.url}/once`,
      events: ['asset.*'],
      description: 'CMDB sync',
      enabled: true,
      secret: expect.stringMatching(/^whsec_[0-9a-f]{64}$/),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const secret = res.body.secret as string;
    const id = res.body.id as string;
    const reads = [
      await api.request('GET', `/api/v1/webhooks/${id}`, { key: org.adminKey }),
      await api.request('GET', '/api/v1/webhooks', { key: org.adminKey }),
      await api.request('PATCH', `/api/v1/webhooks/${id}`, { key: org.adminKey, body: { description: 'x' } }),
      await api.request('GET', `/api/v1/webhooks/${id}/deliveries`, { key: org.adminKey }),
    ];
    for (const r of reads) {
      expect(r.status, r.text).toBe(200);
      expect(r.text).not.toContain(secret);
      expect(r.text).not.toContain('secret');
    }
    const stored = await api.container.repositories.webhooks.get(id);
    expect(JSON.stringify(stored)).not.toContain(secret);
    const audit = await api.request('GET', '/api/v1/audit?action=webhook.create', { key: org.adminKey });
    expect(audit.body.entries[0]).toMatchObject({ target: { type: 'webhook', id } });
  });

  it('delivers a signed asset.state_changed that the receiver verifies with node:crypto', async () => {
    const hook = await create({ url: `${receiver.url}/signed`, events: ['asset.state_changed'] });
    const assetId = await transition();
    const [got] = await eventually(
      () => receiver.on('/signed'),
      (r) => r.length >= 1,
    );
    expect(signatureValid(hook.body.secret, got!)).toBe(true);
    expect(signatureValid('whsec_wrong', got!)).toBe(false);
    const body = JSON.parse(got!.body);
    expect(body).toMatchObject({
      type: 'asset.state_changed',
      orgId: org.orgId,
      data: { assetId, from: 'available', to: 'maintenance', transition: 'enterMaintenance' },
    });
    expect(got!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-rackpilot-event': 'asset.state_changed',
      'x-rackpilot-delivery': `${hook.body.id}:${body.id}`,
    });
    const [delivery] = await eventually(
      () => deliveries(hook.body.id),
      (d) => d[0]?.state === 'delivered',
    );
    expect(delivery).toMatchObject({
      id: `${hook.body.id}:${body.id}`,
      state: 'delivered',
      attemptCount: 1,
      nextAttemptAt: null,
      event: { id: body.id, type: 'asset.state_changed' },
      attempts: [{ number: 1, status: 200, error: null }],
    });
  });

  it('retries a receiver answering 500 twice, then 200: three attempts in the delivery log', async () => {
    receiver.answer('/flaky', 500, 500);
    const hook = await create({ url: `${receiver.url}/flaky`, events: ['asset.*'] });
    await transition();
    const [delivery] = await eventually(
      () => deliveries(hook.body.id),
      (d) => d[0]?.state === 'delivered',
    );
    expect(delivery?.attempts.map((a) => [a.number, a.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(delivery?.attempts[0]?.error).toBe('HTTP 500');
    const times = delivery!.attempts.map((a) => Date.parse(a.at));
    // Backoff: at least half of 150 ms, then of 300 ms (equal jitter), between attempts.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(75);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(150);
    const received = receiver.on('/flaky');
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers['x-rackpilot-delivery'])).size).toBe(1);
    expect(received.every((r) => signatureValid(hook.body.secret, r))).toBe(true);
  });

  it('marks a delivery to a dead receiver failed after the maximum attempts', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const hook = await create({ url: `http://127.0.0.1:${port}/gone` });
    await transition();
    const [delivery] = await eventually(
      () => deliveries(hook.body.id),
      (d) => d[0]?.state === 'failed',
    );
    expect(delivery).toMatchObject({ state: 'failed', attemptCount: 3, nextAttemptAt: null });
    expect(delivery?.attempts.map((a) => a.status)).toEqual([null, null, null]);
    expect(delivery?.attempts[0]?.error).toMatch(/ECONNREFUSED/);
  });

  it('never follows a redirect (it would bypass the egress guard) and bounds each attempt by the timeout', async () => {
    receiver.answer('/redirect', 302, 302, 302);
    const moved = await create({ url: `${receiver.url}/redirect` });
    const hanging = await create({ url: `${receiver.url}/hang` });
    await api.request('POST', `/api/v1/webhooks/${moved.body.id}/ping`, { key: org.adminKey });
    const started = Date.now();
    const ping = await api.request('POST', `/api/v1/webhooks/${hanging.body.id}/ping`, { key: org.adminKey });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(ping.body.attempts[0]).toMatchObject({ status: null, error: 'no answer within 2000 ms' });
    expect(ping.body.attempts[0].durationMs).toBeGreaterThanOrEqual(1_900);
    const [redirected] = await eventually(
      () => deliveries(moved.body.id),
      (d) => d[0]?.state === 'failed',
    );
    expect(redirected?.attempts.map((a) => [a.status, a.error])).toEqual([
      [302, 'redirect (302) not followed'],
      [302, 'redirect (302) not followed'],
      [302, 'redirect (302) not followed'],
    ]);
    expect(receiver.on('/redirected')).toEqual([]);
    // Keep them out of the later tests' way (they subscribe to every event).
    for (const id of [moved.body.id, hanging.body.id])
      await api.request('PATCH', `/api/v1/webhooks/${id}`, { key: org.adminKey, body: { enabled: false } });
  });

  it.each([
    ['http://10.0.0.1/', 'WEBHOOK_DESTINATION_FORBIDDEN', /private/],
    ['http://169.254.169.254/latest/meta-data/', 'WEBHOOK_DESTINATION_FORBIDDEN', /link-local/],
    ['http://[::1]:8080/', 'WEBHOOK_DESTINATION_FORBIDDEN', /loopback/],
    ['http://[::ffff:192.168.0.1]/', 'WEBHOOK_DESTINATION_FORBIDDEN', /private/],
    ['ftp://127.0.0.1/', 'VALIDATION_FAILED', /http/],
    ['http://user:pass@127.0.0.1/', 'VALIDATION_FAILED', /credentials/],
  ])('refuses %s with %s and a clear reason, never connecting', async (url, code, reason) => {
    const before = (await api.request('GET', '/api/v1/webhooks', { key: org.adminKey })).body.total;
    const res = await create({ url });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(code);
    expect(res.body.details.fields).toEqual([
      expect.objectContaining({ field: 'url', message: expect.stringMatching(reason) }),
    ]);
    expect((await api.request('GET', '/api/v1/webhooks', { key: org.adminKey })).body.total).toBe(before);
  });

  it('refuses a forbidden URL on PATCH too, and unknown event types', async () => {
    const hook = await create({ url: `${receiver.url}/patch` });
    const patched = await api.request('PATCH', `/api/v1/webhooks/${hook.body.id}`, {
      key: org.adminKey,
      body: { url: 'http://192.168.10.1/hook' },
    });
    expect(patched.body.code).toBe('WEBHOOK_DESTINATION_FORBIDDEN');
    const typo = await create({ url: `${receiver.url}/typo`, events: ['asset.state_change'] });
    expect(typo.status).toBe(400);
    expect(typo.body.details.fields[0]).toMatchObject({ field: 'events.0' });
  });

  it('takes exactly the URLs and event filters the document describes, and no PATCH with nothing to change', async () => {
    const documented = await documentedBody(api, 'POST', '/api/v1/webhooks');
    const port = new URL(receiver.url).port;
    const answer = async (body: Record<string, unknown>) => {
      const res = await create({ ...body, enabled: false });
      return { body, documented: documented({ ...body, enabled: false }), status: res.status };
    };
    for (const url of [
      `http://127.0.0.1:${port}/a/b?c=d&e=%2F#f`,
      `HTTPS://127.0.0.1:${port}/`,
      `http://127.0.0.1:0${port}`,
      'http://[::ffff:7f00:1]/',
    ])
      expect(await answer({ url })).toEqual({ body: { url }, documented: true, status: 201 });
    for (const url of [
      'ftp://127.0.0.1/',
      'http://user:pass@127.0.0.1/',
      'http://@127.0.0.1/',
      ' http://127.0.0.1/',
      'http:127.0.0.1',
      'http:///127.0.0.1/',
      'http://127.0.0.1:65536/',
      'http://127.0.0.1/a b',
      'http://127.0.0.1/%zz',
      'http://127.0.0.1\\x',
    ])
      expect(await answer({ url })).toEqual({ body: { url }, documented: false, status: 400 });

    const url = `http://127.0.0.1:${port}/filters`;
    for (const events of [
      ['*'],
      ['asset.*'],
      ['workflow.step_*'],
      ['asset.state_changed', 'w*'],
      ['asset.bmc_detected*'],
    ])
      expect(await answer({ url, events })).toEqual({ body: { url, events }, documented: true, status: 201 });
    for (const events of [
      ['asset'],
      ['asset.state_change'],
      ['**'],
      ['*.state_changed'],
      ['webhook.ping'],
      ['Asset.*'],
      [],
    ])
      expect(await answer({ url, events })).toEqual({ body: { url, events }, documented: false, status: 400 });

    const hook = await create({ url, enabled: false });
    const patch = await documentedBody(api, 'PATCH', '/api/v1/webhooks/{id}');
    expect([patch({}), patch({ enabled: true }), patch({ description: null })]).toEqual([false, true, true]);
    const empty = await api.request('PATCH', `/api/v1/webhooks/${hook.body.id}`, { key: org.adminKey, body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: [{ message: 'nothing to change' }] },
    });
  });

  it('pings with a signed webhook.ping, uses a new secret at once, and stops delivering when disabled', async () => {
    const hook = await create({ url: `${receiver.url}/ping`, secret: 'my-own-secret-0123456789', events: ['asset.*'] });
    expect(hook.body.secret).toBe('my-own-secret-0123456789');
    const ping = await api.request('POST', `/api/v1/webhooks/${hook.body.id}/ping`, { key: org.adminKey });
    expect(ping.status, ping.text).toBe(200);
    expect(ping.body).toMatchObject({
      state: 'delivered',
      event: { type: 'webhook.ping' },
      attempts: [{ status: 200 }],
    });
    const [pinged] = receiver.on('/ping');
    expect(pinged?.headers['x-rackpilot-event']).toBe('webhook.ping');
    expect(signatureValid('my-own-secret-0123456789', pinged!)).toBe(true);

    const rotated = 'rotated-secret-abcdefghij';
    h.secrets.add(rotated);
    const patch = await api.request('PATCH', `/api/v1/webhooks/${hook.body.id}`, {
      key: org.adminKey,
      body: { secret: rotated },
    });
    expect(patch.status).toBe(200);
    expect(patch.text).not.toContain(rotated);
    await api.request('POST', `/api/v1/webhooks/${hook.body.id}/ping`, { key: org.adminKey });
    expect(signatureValid(rotated, receiver.on('/ping')[1]!)).toBe(true);

    await api.request('PATCH', `/api/v1/webhooks/${hook.body.id}`, { key: org.adminKey, body: { enabled: false } });
    const marker = await create({ url: `${receiver.url}/marker`, events: ['asset.*'] });
    await transition();
    await eventually(
      () => receiver.on('/marker'),
      (r) => r.length >= 1,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.on('/ping')).toHaveLength(2);
    expect((await deliveries(hook.body.id)).every((d) => d.event.type === 'webhook.ping')).toBe(true);
    expect(marker.status).toBe(201);
  });

  it('logs an attempt it could not send (sealed secret unreadable) and retries it', async () => {
    const hook = await create({ url: `${receiver.url}/unreadable` });
    await api.container.repositories.webhooks.collection.updateOne(
      { _id: hook.body.id },
      { $set: { secretSealed: 'v1:00000000:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA' } },
    );
    const ping = await api.request('POST', `/api/v1/webhooks/${hook.body.id}/ping`, { key: org.adminKey });
    expect(ping.body).toMatchObject({
      state: 'pending',
      attempts: [{ number: 1, status: null, error: expect.stringMatching(/^not sent: .*unknown key/) }],
    });
    expect(ping.body.nextAttemptAt).not.toBeNull();
    expect(receiver.on('/unreadable')).toEqual([]);
  });

  it('keeps organizations apart: another organization’s webhook is a 404 and never gets our events', async () => {
    const mine = await create({ url: `${receiver.url}/mine`, events: ['asset.*'] });
    const theirs = await create({ url: `${receiver.url}/theirs`, events: ['*'] }, other.adminKey);
    expect(theirs.status).toBe(201);
    const listed = await api.request('GET', '/api/v1/webhooks?perPage=500', { key: org.adminKey });
    expect(listed.body.webhooks.map((w: { id: string }) => w.id)).not.toContain(theirs.body.id);
    for (const [method, path, body] of [
      ['GET', `/api/v1/webhooks/${mine.body.id}`, undefined],
      ['PATCH', `/api/v1/webhooks/${mine.body.id}`, { enabled: false }],
      ['DELETE', `/api/v1/webhooks/${mine.body.id}`, undefined],
      ['GET', `/api/v1/webhooks/${mine.body.id}/deliveries`, undefined],
      ['POST', `/api/v1/webhooks/${mine.body.id}/ping`, undefined],
    ] as const) {
      const res = await api.request(method, path, { key: other.adminKey, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe('WEBHOOK_NOT_FOUND');
    }
    await transition();
    await eventually(
      () => receiver.on('/mine'),
      (r) => r.length >= 1,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.on('/theirs')).toEqual([]);
    const theirAsset = await transition(other, otherSiteId);
    const [got] = await eventually(
      () => receiver.on('/theirs'),
      (r) => r.length >= 1,
    );
    expect(JSON.parse(got!.body).data.assetId).toBe(theirAsset);
    expect(JSON.parse(got!.body).orgId).toBe(other.orgId);
  });

  it('delivers, after a restart of the dispatcher, what happened while it was stopped', async () => {
    const hook = await create({ url: `${receiver.url}/restart`, events: ['asset.state_changed'] });
    await api.container.webhookDispatcher.stop();
    const assetId = await transition();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(receiver.on('/restart')).toEqual([]);
    expect(await deliveries(hook.body.id)).toEqual([]);
    await api.container.webhookDispatcher.start();
    const [got] = await eventually(
      () => receiver.on('/restart'),
      (r) => r.length >= 1,
    );
    expect(JSON.parse(got!.body).data.assetId).toBe(assetId);
  });

  it('delivers each event once however many API processes dispatch', async () => {
    const second = await h.start({ env: { ...env, RACKPILOT_TASK_QUEUE: uniqueName('webhooks') } });
    await second.container.webhookDispatcher.start();
    const hook = await create({ url: `${receiver.url}/replicas`, events: ['asset.state_changed'] });
    const assets = await Promise.all(Array.from({ length: 5 }, () => transition()));
    await eventually(
      () => receiver.on('/replicas'),
      (r) => r.length >= 5,
    );
    await new Promise((r) => setTimeout(r, 800));
    const received = receiver.on('/replicas');
    expect(received).toHaveLength(5);
    expect(new Set(received.map((r) => JSON.parse(r.body).data.assetId))).toEqual(new Set(assets));
    expect(new Set(received.map((r) => r.headers['x-rackpilot-delivery'])).size).toBe(5);
    await second.container.webhookDispatcher.stop();
    expect(hook.status).toBe(201);
  });

  it('lets admins manage webhooks, operators read them, viewers neither; deletes the delivery log with it', async () => {
    const operator = await h.key(api, org.adminKey, 'operator');
    const viewer = await h.key(api, org.adminKey, 'viewer');
    expect((await create({ url: `${receiver.url}/op` }, operator.key)).status).toBe(403);
    expect((await api.request('GET', '/api/v1/webhooks', { key: operator.key })).status).toBe(200);
    expect((await api.request('GET', '/api/v1/webhooks', { key: viewer.key })).status).toBe(403);
    const hook = await create({ url: `${receiver.url}/delete` });
    await api.request('POST', `/api/v1/webhooks/${hook.body.id}/ping`, { key: org.adminKey });
    expect(await deliveries(hook.body.id)).toHaveLength(1);
    const del = await api.request('DELETE', `/api/v1/webhooks/${hook.body.id}`, { key: org.adminKey });
    expect(del.status).toBe(204);
    expect((await api.request('GET', `/api/v1/webhooks/${hook.body.id}`, { key: org.adminKey })).status).toBe(404);
    expect(
      await api.container.repositories.webhookDeliveries.collection.countDocuments({ webhookId: hook.body.id }),
    ).toBe(0);
  });
});
