import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetRepository } from '../../../db/asset-repository.js';
import { AgentApiClient } from '../../../agent/api-client/agent-api-client.js';
import { bmcPasswordContext } from '../../../shared/secret-contexts.js';
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

  it('records what a detect asset’s BMC answered once, leaves a known protocol alone, and refuses a port another asset holds', async () => {
    const assets = api.container.repositories.assets;
    const agent = new AgentApiClient({ baseUrl: api.url, attempts: 1 });
    agent.setApiKey(agentKey);
    const detect = buildAsset({ orgId: 'org_x', siteId: 'site_test' });
    detect.bmc = { ...detect.bmc, driver: 'detect', port: 623 };
    const known = buildAsset({ orgId: 'org_x', siteId: 'site_test' });
    await assets.insert(detect);
    await assets.insert(known);

    await agent.reportBmcProtocol(detect._id, 'redfish', 443);
    expect((await assets.get(detect._id)).bmc).toMatchObject({ driver: 'redfish', port: 443 });
    // A second report (a job re-run after an agent restart) changes nothing, and emits nothing more.
    await agent.reportBmcProtocol(detect._id, 'ipmi', 623);
    expect((await assets.get(detect._id)).bmc).toMatchObject({ driver: 'redfish', port: 443 });
    const events = await api.container.repositories.events.collection
      .find({ type: 'asset.bmc_detected', 'data.assetId': detect._id })
      .toArray();
    expect(events.map((e) => e.data)).toEqual([
      { assetId: detect._id, siteId: 'site_test', protocol: 'redfish', port: 443 },
    ]);
    // An asset enrolled as ipmi stays ipmi whatever an agent says.
    await agent.reportBmcProtocol(known._id, 'redfish', 443);
    expect((await assets.get(known._id)).bmc).toMatchObject({ driver: 'ipmi', port: 623 });

    // The same BMC enrolled twice (once as ipmi at 443 here): the detect asset keeps detect, with a clear 409.
    const twin = buildAsset({ orgId: 'org_x', siteId: 'site_test' });
    twin.bmc = { ...twin.bmc, driver: 'detect' };
    const holder = buildAsset({ orgId: 'org_x', siteId: 'site_test' });
    holder.bmc = { ...holder.bmc, address: twin.bmc.address, port: 443 };
    await assets.insert(twin);
    await assets.insert(holder);
    const conflict = await api.request('PUT', `/api/v1/agent/assets/${twin._id}/bmc/protocol`, {
      key: agentKey,
      body: { protocol: 'redfish', port: 443 },
    });
    expect(conflict.status, conflict.text).toBe(409);
    expect(conflict.body.code).toBe('ASSET_EXISTS');
    expect((await assets.get(twin._id)).bmc.driver).toBe('detect');

    const foreign = await api.request('PUT', `/api/v1/agent/assets/${detect._id}/bmc/protocol`, {
      key: foreignKey,
      body: { protocol: 'ipmi', port: 623 },
    });
    expect(foreign.status).toBe(404);
    const bad = await api.request('PUT', `/api/v1/agent/assets/${twin._id}/bmc/protocol`, {
      key: agentKey,
      body: { protocol: 'snmp', port: 0 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['port', 'protocol']);
  });
});
