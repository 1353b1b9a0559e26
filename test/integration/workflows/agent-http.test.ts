import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetRepository } from '../../../db/asset-repository.js';
import { AgentApiClient } from '../../../agent/api-client/agent-api-client.js';
import { bmcPasswordContext } from '../../../api/services/agent-service.js';
import { bootstrapOrganization } from '../../../api/services/bootstrap.js';
import { ApiHarness, type TestApi } from '../api/harness.js';
import { startWorkerFor } from '../../support/api-worker.js';
import { buildAsset } from '../../support/orchestration-harness.js';
import { sampleInventory } from '../../support/sample-inventory.js';
import { uniqueName } from '../../support/services.js';

// The bridge over its real wire: the API's agent endpoints, the agent's own HTTP client, the
// worker and Temporal. A discovery runs with this test playing the machine behind the agent.
describe('the agent endpoints', () => {
  const harness = new ApiHarness();
  let api: TestApi;
  let worker: { stop(): Promise<void> };
  let agentKey: string;
  let foreignKey: string;
  let taskQueue: string;

  beforeAll(async () => {
    await harness.open('agenthttp');
    taskQueue = uniqueName('agenthttp');
    api = await harness.start({ env: { RACKPILOT_TASK_QUEUE: taskQueue } });
    const { organization } = await bootstrapOrganization(api.container, { name: 'Agent HTTP' });
    const keys = api.container.services.apiKeys;
    agentKey = (
      await keys.issue(organization.id, { name: 'agent', role: 'agent', siteId: 'site_test', createdBy: null })
    ).key;
    foreignKey = (
      await keys.issue(organization.id, { name: 'other', role: 'agent', siteId: 'site_other', createdBy: null })
    ).key;
    harness.secrets.add(agentKey).add(foreignKey);
    worker = await startWorkerFor(api.container);
  });
  afterAll(async () => {
    await worker.stop();
    await harness.close();
  });

  it('carries a discovery end to end over HTTP, and keeps each agent to its own site', async () => {
    const assets = new AssetRepository(api.container.db);
    const asset = buildAsset({ orgId: 'org_x', siteId: 'site_test' });
    asset.bmc.passwordSecret = api.container.secretBox.seal('calvin', bmcPasswordContext(asset._id));
    await assets.insert(asset);
    const client = await api.container.temporal();
    const workflowId = uniqueName('discovery');
    const run = client.workflow.execute('discovery', {
      taskQueue,
      workflowId,
      args: [{ assetId: asset._id, timings: { heartbeatTimeout: '5 seconds' } }],
    });

    const agent = new AgentApiClient({ baseUrl: api.url, attempts: 1 });
    agent.setApiKey(agentKey);
    const foreign = new AgentApiClient({ baseUrl: api.url, attempts: 1 });
    foreign.setApiKey(foreignKey);

    expect(await agent.bmcCredentials(asset._id)).toMatchObject({
      address: asset.bmc.address,
      username: 'admin',
      password: 'calvin',
      cipherSuite: 3,
    });
    await expect(foreign.bmcCredentials(asset._id)).rejects.toMatchObject({ status: 404 });
    expect(await foreign.claim({ waitSeconds: 1 })).toBeNull();

    const kinds: string[] = [];
    for (;;) {
      const job = await agent.claim({ waitSeconds: 2 });
      if (!job) {
        if ((await api.container.repositories.assets.get(asset._id)).state === 'available') break;
        continue;
      }
      kinds.push(job.kind);
      await expect(foreign.completeJob(job.id, { claimToken: job.claimToken, result: {} })).rejects.toMatchObject({
        status: 404,
      });
      await agent.jobHeartbeat(job.id, {
        claimToken: job.claimToken,
        progress: { step: job.kind },
        logs: [`doing ${job.kind}`],
      });
      const payload = job.payload as { action?: string };
      const result =
        job.kind === 'ssh.inventory'
          ? { inventory: sampleInventory('77'), hostKeyFingerprint: 'SHA256:x' }
          : job.kind === 'boot.prepare'
            ? { bootServerUrl: 'http://127.0.0.1:8081' }
            : job.kind === 'bmc.bootdev'
              ? { device: 'pxe' }
              : { powerState: payload.action === 'on' ? 'on' : 'off' };
      await agent.completeJob(job.id, { claimToken: job.claimToken, result });
      await expect(agent.completeJob(job.id, { claimToken: job.claimToken, result })).rejects.toMatchObject({
        status: 409,
      });
      if (job.kind === 'bmc.power' && payload.action === 'on') {
        await agent.postEvent({ type: 'utility-ready', bmcAddress: asset.bmc.address, address: '127.0.0.1:2222' });
      }
    }
    await expect(run).resolves.toMatchObject({ assetId: asset._id, disks: 2 });
    expect(kinds).toEqual([
      'bmc.status',
      'bmc.power',
      'boot.prepare',
      'bmc.bootdev',
      'bmc.power',
      'ssh.inventory',
      'bmc.power',
    ]);
    const jobs = await api.container.repositories.agentJobs.listForWorkflow(workflowId);
    expect(jobs.find((j) => j.kind === 'ssh.inventory')?.logs).toEqual(['doing ssh.inventory']);
  });

  it('refuses an agent result that breaks its job kind, naming the fields', async () => {
    const res = await api.request('POST', '/api/v1/agent/jobs/job_0123456789abcdef/complete', {
      key: agentKey,
      body: { claimToken: 'x', result: {} },
    });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('JOB_NOT_FOUND');
    const bad = await api.request('POST', '/api/v1/agent/events', { key: agentKey, body: { type: 'utility-ready' } });
    expect(bad.status).toBe(400);
  });
});
