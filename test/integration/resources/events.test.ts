import { request, type IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AssetRepository } from '../../../db/asset-repository.js';
import { EventRepository } from '../../../db/event-repository.js';
import { WorkflowIndexRepository } from '../../../db/workflow-index-repository.js';
import { startWorkerFor } from '../../support/api-worker.js';
import { buildAsset } from '../../support/orchestration-harness.js';
import { freshDatabase, uniqueName } from '../../support/services.js';
import { ApiHarness, type TestApi } from '../api/harness.js';

const env = {
  RACKPILOT_RATE_LIMIT_PER_MINUTE: '100000',
  RACKPILOT_RATE_LIMIT_PER_HOUR: '1000000',
  RACKPILOT_EVENTS_POLL_MS: '100',
  RACKPILOT_EVENTS_HEARTBEAT_MS: '300',
  RACKPILOT_EVENTS_LOOKBACK_MS: '2000',
};

interface SseEvent {
  id: string;
  event: string;
  data: { id: string; type: string; orgId: string; at: string; data: Record<string, unknown> };
}

/** A real SSE client over HTTP: parses `id:`/`event:`/`data:` frames and counts comment lines. */
class SseClient {
  readonly events: SseEvent[] = [];
  comments: string[] = [];
  ended = false;
  private buffer = '';
  private constructor(
    readonly response: IncomingMessage,
    private readonly abort: () => void,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.feed(chunk));
    response.on('end', () => (this.ended = true));
    response.on('close', () => (this.ended = true));
    // The server or the test may cut the connection mid-stream (shutdown, close()): that is an end, not a failure.
    response.on('error', () => (this.ended = true));
  }

  static open(url: string, key: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, {
        headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream', ...headers },
      });
      req.on('response', (res) => {
        const client = new SseClient(res, () => req.destroy());
        if (res.statusCode !== 200) return resolve(client);
        // The stream opens with a comment: from then on the subscription is live.
        void client.until(() => client.comments.includes('connected')).then(() => resolve(client), reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Waits until `done()` holds (polling every 20 ms), failing after `ms`. */
  async until(done: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`SSE condition not met in ${ms} ms; got ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  ofType(type: string): SseEvent[] {
    return this.events.filter((e) => e.event === type);
  }

  close(): void {
    this.abort();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.includes(':'))
          fields[line.slice(0, line.indexOf(':'))] = line.slice(line.indexOf(':') + 1).trim();
      }
      if (fields.id && fields.event && fields.data)
        this.events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PASSWORD = 'events-bmc-Passw0rd';

describe('lifecycle events over Server-Sent Events', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let org: Awaited<ReturnType<ApiHarness['organization']>>;
  let other: Awaited<ReturnType<ApiHarness['organization']>>;
  let siteId: string;
  const clients: SseClient[] = [];
  const started = h.started;

  beforeAll(async () => {
    await h.open('res_events');
    // Tests here hold several streams of one key at once; the per-key cap has its own test (OWASP API4).
    api = await h.start({
      env: { ...env, RACKPILOT_TASK_QUEUE: uniqueName('events'), RACKPILOT_EVENTS_MAX_STREAMS_PER_KEY: '50' },
    });
    org = await h.organization(api, 'Events');
    other = await h.organization(api, 'Elsewhere');
    siteId = await h.site(api, org.adminKey, 'ev-1');
    h.secrets.add(PASSWORD);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await h.finish(api);
  });

  const stream = async (key: string, query = '', headers: Record<string, string> = {}) => {
    const client = await SseClient.open(`${api.url}/api/v1/events${query}`, key, headers);
    clients.push(client);
    return client;
  };
  const available = async () => {
    const asset = buildAsset({ orgId: org.orgId, siteId, state: 'available' });
    await api.container.repositories.assets.insert(asset);
    return asset;
  };
  const maintenance = async (assetId: string, enabled: boolean) => {
    const res = await api.request('POST', `/api/v1/assets/${assetId}/maintenance`, {
      key: org.adminKey,
      body: { enabled },
    });
    expect(res.status, res.text).toBe(200);
  };

  it('streams an asset.state_changed as text/event-stream after a real transition', async () => {
    const asset = await available();
    const client = await stream(org.adminKey);
    expect(client.response.statusCode).toBe(200);
    expect(client.response.headers['content-type']).toMatch(/^text\/event-stream/);
    await maintenance(asset._id, true);
    await client.until(() => client.ofType('asset.state_changed').length === 1);
    const [event] = client.events;
    expect(event?.id).toMatch(/^evt_\d{13}[0-9a-z]{4}[0-9a-f]{8}$/);
    expect(event?.data).toEqual({
      id: event?.id,
      type: 'asset.state_changed',
      orgId: org.orgId,
      at: expect.any(String),
      data: { assetId: asset._id, siteId, from: 'available', to: 'maintenance', transition: 'enterMaintenance' },
    });
  });

  it('resumes with Last-Event-ID (or ?since=) without repeating what the client saw', async () => {
    const asset = await available();
    const first = await stream(org.adminKey, `?assetId=${asset._id}`);
    await maintenance(asset._id, true);
    await first.until(() => first.events.length === 1);
    const seen = first.events[0]!.id;
    first.close();

    await maintenance(asset._id, false);
    await maintenance(asset._id, true);
    const resumed = await stream(org.adminKey, `?assetId=${asset._id}`, { 'Last-Event-ID': seen });
    await resumed.until(() => resumed.events.length === 2);
    expect(resumed.events.map((e) => e.data.data.to)).toEqual(['available', 'maintenance']);
    expect(resumed.events.map((e) => e.id)).not.toContain(seen);
    await maintenance(asset._id, false);
    await resumed.until(() => resumed.events.length === 3);
    await sleep(400);
    expect(new Set(resumed.events.map((e) => e.id)).size).toBe(3);
    expect(resumed.events.map((e) => e.id)).toEqual([...resumed.events.map((e) => e.id)].sort());

    const since = await stream(org.adminKey, `?assetId=${asset._id}&since=${resumed.events[1]!.id}`);
    await since.until(() => since.events.length === 1);
    expect(since.events[0]?.id).toBe(resumed.events[2]?.id);
  });

  it('never shows another organization’s events, live or replayed', async () => {
    const mine = await stream(org.adminKey, '?type=asset.*');
    const theirs = await stream(other.adminKey);
    const asset = await available();
    await maintenance(asset._id, true);
    await mine.until(() => mine.events.some((e) => e.data.data.assetId === asset._id));
    await sleep(400);
    expect(theirs.events).toEqual([]);
    const replay = await stream(other.adminKey, `?since=evt_0000000000000000000000000`);
    await sleep(400);
    expect(replay.events).toEqual([]);
    expect(mine.events.every((e) => e.data.orgId === org.orgId)).toBe(true);
  });

  it('streams workflow step events recorded by WorkflowIndexRepository, from any process', async () => {
    const workflowId = uniqueName('wipe');
    const client = await stream(org.adminKey, `?workflowId=${workflowId}&type=workflow.*`);
    // Built the way the worker builds it: its own repository over the same database, default event sink.
    const worker = new WorkflowIndexRepository(api.container.db);
    await worker.recordStart({ _id: workflowId, orgId: org.orgId, type: 'disk-wipe', target: { assetId: 'ast_x' } });
    const steps = (erase: 'pending' | 'running' | 'completed') => [
      { name: 'Claim asset', status: 'completed' as const, durationMs: 12 },
      { name: 'Erase disks', status: erase, ...(erase === 'completed' ? { durationMs: 300 } : {}) },
    ];
    await worker.recordProgress(workflowId, { status: 'running', steps: steps('pending'), progress: 50 });
    await worker.recordProgress(workflowId, { status: 'running', steps: steps('running'), progress: 50 });
    // A retried report (local activities retry) must not repeat events.
    await worker.recordProgress(workflowId, { status: 'running', steps: steps('running'), progress: 50 });
    await worker.recordProgress(workflowId, { status: 'completed', steps: steps('completed'), progress: 100 });
    await client.until(() => client.ofType('workflow.finished').length === 1);
    await sleep(300);
    expect(client.events.map((e) => `${e.event}:${String(e.data.data.step ?? '')}`)).toEqual([
      'workflow.started:',
      'workflow.step_started:Claim asset',
      'workflow.step_finished:Claim asset',
      'workflow.step_started:Erase disks',
      'workflow.step_finished:Erase disks',
      'workflow.finished:',
    ]);
    expect(client.ofType('workflow.step_finished')[1]?.data.data).toEqual({
      workflowId,
      workflowType: 'disk-wipe',
      assetId: 'ast_x',
      step: 'Erase disks',
      stepIndex: 1,
      status: 'completed',
      durationMs: 300,
    });
    expect(client.ofType('workflow.finished')[0]?.data.data).toMatchObject({ workflowId, status: 'completed' });
  });

  it('streams what the real worker records: the asset entering discovery and the discovery’s steps', async () => {
    const worker = await startWorkerFor(api.container);
    try {
      const client = await stream(org.adminKey);
      const res = await api.request('POST', '/api/v1/assets', {
        key: org.adminKey,
        body: { siteId, bmc: { address: '10.9.1.1', username: 'admin', password: PASSWORD, driver: 'ipmi' } },
      });
      expect(res.status, res.text).toBe(201);
      const { id: assetId, workflowId } = res.body as { id: string; workflowId: string };
      started.push(workflowId);
      // No agent claims its jobs: the discovery waits at its first agent step.
      await client.until(
        () =>
          client.events.some(
            (e) => e.event === 'workflow.step_started' && e.data.data.step === 'Check BMC credentials',
          ),
        60_000,
      );
      const ofRun = client.events.filter(
        (e) => e.event.startsWith('workflow.') && e.data.data.workflowId === workflowId,
      );
      expect(ofRun.map((e) => `${e.event}:${String(e.data.data.step ?? '')}`).slice(0, 4)).toEqual([
        'workflow.started:',
        'workflow.step_started:Claim asset',
        'workflow.step_finished:Claim asset',
        'workflow.step_started:Check BMC credentials',
      ]);
      expect(client.ofType('asset.state_changed').map((e) => e.data.data)).toContainEqual(
        expect.objectContaining({
          assetId,
          from: 'enrolling',
          to: 'discovering',
          transition: 'startDiscovery',
          workflowId,
        }),
      );
    } finally {
      await worker.stop();
    }
  });

  it('never fails a transition because its event cannot be recorded', async () => {
    const broken = new AssetRepository(api.container.db, undefined, {
      emit: () => Promise.reject(new Error('event log unavailable')),
    });
    const asset = await available();
    const moved = await broken.transition(asset._id, 'enterMaintenance');
    expect(moved.state).toBe('maintenance');
    const quiet = new AssetRepository(api.container.db, undefined, null);
    expect((await quiet.transition(asset._id, 'leaveMaintenance')).state).toBe('available');
    expect(await api.container.repositories.events.collection.countDocuments({ 'data.assetId': asset._id })).toBe(0);
  });

  it('records each fact once, even from a process that never created the indexes (the worker)', async () => {
    const fresh = await freshDatabase('res_events_fresh');
    try {
      const worker = new EventRepository(fresh.db);
      const fact = {
        type: 'workflow.started' as const,
        orgId: org.orgId,
        key: 'workflow:w1:1:started',
        data: { workflowId: 'w1', workflowType: 'discovery' },
      };
      await worker.emit(fact);
      await new EventRepository(fresh.db).emit(fact);
      expect(await worker.collection.countDocuments({ key: fact.key })).toBe(1);

      // Duplicates written before the unique index existed are cleaned up when it is created.
      const other = await freshDatabase('res_events_dups');
      try {
        const raw = new EventRepository(other.db).collection;
        for (const id of ['evt_1000000000000000000000001', 'evt_1000000000000000000000002'])
          await raw.insertOne({
            _id: id,
            type: 'workflow.started',
            orgId: org.orgId,
            at: new Date(),
            data: {},
            key: 'k',
          });
        await new EventRepository(other.db).ensureIndexes();
        expect(
          await raw
            .find({})
            .map((d) => d._id)
            .toArray(),
        ).toEqual(['evt_1000000000000000000000001']);
      } finally {
        await other.close();
      }
    } finally {
      await fresh.close();
    }
  });

  it('serves every subscriber from one poller per process and forgets clients that disconnect', async () => {
    const spy = vi.spyOn(api.container.repositories.events, 'after');
    const before = api.container.eventHub.size;
    const many = await Promise.all(Array.from({ length: 6 }, () => stream(org.adminKey)));
    expect(api.container.eventHub.size).toBe(before + 6);
    spy.mockClear();
    await sleep(1_000);
    // ~10 ticks of 100 ms: one query each, not one per subscriber.
    expect(spy.mock.calls.length).toBeGreaterThan(3);
    expect(spy.mock.calls.length).toBeLessThan(20);
    spy.mockRestore();
    for (const c of many) c.close();
    // A HEAD request gets the headers only: its subscription must not outlive it either.
    const head = await api.request('HEAD', '/api/v1/events', { key: org.adminKey });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const deadline = Date.now() + 5_000;
    while (api.container.eventHub.size > before && Date.now() < deadline) await sleep(20);
    expect(api.container.eventHub.size).toBe(before);
  });

  it('sends heartbeats, and ends the stream of a key revoked while it is open', async () => {
    const viewer = await h.key(api, org.adminKey, 'viewer');
    const client = await stream(viewer.key);
    await client.until(() => client.comments.includes('heartbeat'), 3_000);
    const revoke = await api.request('DELETE', `/api/v1/api-keys/${viewer.id}`, { key: org.adminKey });
    expect(revoke.status, revoke.text).toBe(200);
    await client.until(() => client.ended, 3_000);
  });

  it('refuses bad filters, a malformed Last-Event-ID and callers without a key', async () => {
    const bad = await api.request('GET', '/api/v1/events?type=asset.state_change', { key: org.adminKey });
    expect(bad.status).toBe(400);
    expect(bad.body.details.fields.map((f: { field: string }) => f.field)).toEqual(['type']);
    const badSince = await api.request('GET', '/api/v1/events?since=yesterday', { key: org.adminKey });
    expect(badSince.body.details.fields[0].field).toBe('since');
    const badHeader = await api.request('GET', '/api/v1/events', {
      key: org.adminKey,
      headers: { 'Last-Event-ID': 'nope' },
    });
    expect(badHeader.status).toBe(400);
    expect(badHeader.body.details.fields[0].field).toBe('Last-Event-ID');
    expect((await api.request('GET', '/api/v1/events')).status).toBe(401);
  });
});
