import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDoc } from '../../../db/workflow-index-repository.js';
import { startWorkerFor } from '../../support/api-worker.js';
import { uniqueName } from '../../support/services.js';
import { ApiHarness, type TestApi } from '../api/harness.js';

const PASSWORD = 'wf-bmc-Passw0rd';
const limits = { RACKPILOT_RATE_LIMIT_PER_MINUTE: '100000', RACKPILOT_RATE_LIMIT_PER_HOUR: '1000000' };

// A real worker runs the discovery an enrolment starts; no agent claims its jobs, so it stays at
// its first agent step: running, with a live progress the API reads through a Temporal query.
describe('workflows', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let worker: { stop(): Promise<void> };
  let org: Awaited<ReturnType<ApiHarness['organization']>>;
  let other: Awaited<ReturnType<ApiHarness['organization']>>;
  let siteId: string;
  const started = h.started;

  beforeAll(async () => {
    await h.open('res_workflows');
    const taskQueue = uniqueName('workflows');
    api = await h.start({ env: { ...limits, RACKPILOT_TASK_QUEUE: taskQueue } });
    org = await h.organization(api, 'Workflows');
    other = await h.organization(api, 'Elsewhere');
    h.secrets.add(PASSWORD);
    siteId = await h.site(api, org.adminKey, 'wf-1');
    worker = await startWorkerFor(api.container);
  });
  afterAll(async () => {
    await worker.stop();
    await h.finish(api);
  });

  const auditRows = async (requestId: string) =>
    (await api.request('GET', '/api/v1/audit?perPage=500', { key: org.adminKey })).body.entries.filter(
      (e: { requestId: string }) => e.requestId === requestId,
    );

  async function enrol(address: string): Promise<{ assetId: string; workflowId: string }> {
    const res = await api.request('POST', '/api/v1/assets', {
      key: org.adminKey,
      body: { siteId, bmc: { address, username: 'admin', password: PASSWORD, driver: 'ipmi' } },
    });
    expect(res.status, res.text).toBe(201);
    started.push(res.body.workflowId);
    return { assetId: res.body.id, workflowId: res.body.workflowId };
  }

  async function indexRow(overrides: Partial<WorkflowDoc>): Promise<WorkflowDoc> {
    const at = new Date();
    const doc: WorkflowDoc = {
      _id: uniqueName('wf'),
      orgId: org.orgId,
      type: 'disk-wipe',
      status: 'completed',
      target: { assetId: 'ast_00000000000000aa' },
      steps: [
        {
          name: 'Erase disks',
          status: 'completed',
          startedAt: new Date(at.getTime() - 5000).toISOString(),
          finishedAt: at.toISOString(),
          durationMs: 5000,
        },
      ],
      currentStep: 'Erase disks',
      progress: 100,
      logs: ['erased sda'],
      startedAt: new Date(at.getTime() - 6000),
      finishedAt: at,
      durationMs: 6000,
      updatedAt: at,
      ...overrides,
    };
    await api.container.repositories.workflows.collection.insertOne(doc);
    return doc;
  }

  it('shows a running discovery with its live step and progress', async () => {
    const { assetId, workflowId } = await enrol('10.9.0.1');
    let view: { status: string; currentStep: string | null } | undefined;
    for (let i = 0; i < 60; i++) {
      const res = await api.request('GET', `/api/v1/workflows/${workflowId}`, { key: org.adminKey });
      expect(res.status, res.text).toBe(200);
      view = res.body;
      if (res.body.status === 'running' && res.body.currentStep === 'Check BMC credentials') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(view).toMatchObject({
      id: workflowId,
      type: 'discovery',
      status: 'running',
      target: { assetId, clusterId: null },
      currentStep: 'Check BMC credentials',
      finishedAt: null,
      durationMs: null,
      error: null,
    });
    const steps = (view as unknown as { steps: { name: string; status: string }[] }).steps;
    expect(steps[0]).toMatchObject({ name: 'Claim asset', status: 'completed' });
    expect(steps[1]).toMatchObject({ name: 'Check BMC credentials', status: 'running' });
    expect((await api.container.repositories.assets.get(assetId)).state).toBe('discovering');

    const other404 = await api.request('GET', `/api/v1/workflows/${workflowId}`, { key: other.adminKey });
    expect(other404.status).toBe(404);
    expect(other404.body.code).toBe('WORKFLOW_NOT_FOUND');
  });

  it('lists the organization’s runs with filters and pagination', async () => {
    const wipe = await indexRow({
      type: 'disk-wipe',
      status: 'completed',
      target: { assetId: 'ast_00000000000000bb' },
    });
    const failed = await indexRow({
      type: 'cluster-provision',
      status: 'failed',
      target: { clusterId: 'clu_00000000000000cc' },
      error: { step: 'Bootstrap', reason: 'TIMEOUT', message: 'etcd did not start' },
    });
    await indexRow({ orgId: other.orgId, _id: uniqueName('foreign') });

    const all = await api.request('GET', '/api/v1/workflows', { key: org.adminKey });
    expect(all.status).toBe(200);
    const ids = all.body.workflows.map((w: { id: string }) => w.id);
    expect(ids).toEqual(expect.arrayContaining([wipe._id, failed._id]));
    expect(all.body.total).toBe(
      await api.container.repositories.workflows.collection.countDocuments({ orgId: org.orgId }),
    );

    const byType = await api.request('GET', '/api/v1/workflows?type=disk-wipe', { key: org.adminKey });
    expect(byType.body.workflows.map((w: { id: string }) => w.id)).toEqual([wipe._id]);
    expect(byType.body.workflows[0]).toMatchObject({
      status: 'completed',
      durationMs: 6000,
      progress: 100,
      logs: ['erased sda'],
      steps: [{ name: 'Erase disks', status: 'completed', durationMs: 5000, error: null }],
    });
    const byStatus = await api.request('GET', '/api/v1/workflows?status=failed', { key: org.adminKey });
    expect(byStatus.body).toMatchObject({
      total: 1,
      workflows: [{ id: failed._id, error: { step: 'Bootstrap', reason: 'TIMEOUT' } }],
    });
    const byCluster = await api.request('GET', '/api/v1/workflows?clusterId=clu_00000000000000cc', {
      key: org.adminKey,
    });
    expect(byCluster.body.total).toBe(1);
    const byAsset = await api.request('GET', '/api/v1/workflows?assetId=ast_00000000000000bb', { key: org.adminKey });
    expect(byAsset.body.workflows.map((w: { id: string }) => w.id)).toEqual([wipe._id]);
    const page = await api.request('GET', '/api/v1/workflows?perPage=1&page=2', { key: org.adminKey });
    expect(page.body).toMatchObject({ page: 2, perPage: 1 });
    expect(page.body.workflows).toHaveLength(1);

    const bad = await api.request('GET', '/api/v1/workflows?type=nap&status=sleeping', { key: org.adminKey });
    expect(bad.status).toBe(400);
    expect(bad.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['status', 'type']);
    expect((await api.request('GET', '/api/v1/workflows', { key: other.adminKey })).body.total).toBe(1);
  });

  it('cancels a running workflow through Temporal; refuses finished and foreign ones', async () => {
    const { workflowId } = await enrol('10.9.0.2');
    const foreign = await api.request('POST', `/api/v1/workflows/${workflowId}/cancel`, { key: other.adminKey });
    expect(foreign.status).toBe(404);
    const res = await api.request('POST', `/api/v1/workflows/${workflowId}/cancel`, {
      key: org.adminKey,
      headers: { 'x-request-id': 'wf-cancel' },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ workflowId });
    expect(await auditRows('wf-cancel')).toEqual([
      expect.objectContaining({ action: 'workflow.cancel', target: { type: 'workflow', id: workflowId }, status: 202 }),
    ]);
    const client = await api.container.temporal();
    // The request is buffered while a workflow task is in flight: wait for it to reach the history.
    let requested = false;
    for (let i = 0; i < 40 && !requested; i++) {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      requested = (history.events ?? []).some((e) => e.workflowExecutionCancelRequestedEventAttributes != null);
      if (!requested) await new Promise((r) => setTimeout(r, 250));
    }
    expect(requested).toBe(true);

    const done = await indexRow({ status: 'completed' });
    const finished = await api.request('POST', `/api/v1/workflows/${done._id}/cancel`, { key: org.adminKey });
    expect(finished.status).toBe(409);
    expect(finished.body).toMatchObject({ code: 'WORKFLOW_FINISHED', details: { status: 'completed' } });
    const viewer = await h.key(api, org.adminKey, 'viewer');
    expect((await api.request('POST', `/api/v1/workflows/${workflowId}/cancel`, { key: viewer.key })).status).toBe(403);
    expect((await api.request('GET', `/api/v1/workflows/${workflowId}`, { key: viewer.key })).status).toBe(200);
  });

  it('answers from the index within a short timeout when Temporal does not', async () => {
    const down = await h.start({
      env: { ...limits, TEMPORAL_ADDRESS: '127.0.0.1:1', RACKPILOT_READY_TIMEOUT_MS: '5000' },
    });
    const pending = await indexRow({ status: 'running', finishedAt: undefined, durationMs: undefined, progress: 40 });
    const t0 = Date.now();
    const res = await down.request('GET', `/api/v1/workflows/${pending._id}`, { key: org.adminKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'running', progress: 40 });
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
