import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobKind } from '../../../shared/jobs.js';
import { FakeAgent, type FakeAgentScript } from '../../support/fake-agent.js';
import { buildAsset, startOrchestration, type Orchestration } from '../../support/orchestration-harness.js';
import { sampleInventory } from '../../support/sample-inventory.js';
import { recordHistory } from '../../support/histories.js';
import { uniqueName } from '../../support/services.js';

const fast = { heartbeatTimeout: '3 seconds', bootTimeout: '20 seconds' };

/** A healthy machine: the BMC obeys, and power-on boots the utility OS, which reports back. */
function healthyMachine(h: Orchestration, bmcAddress: string): FakeAgentScript {
  let power: 'on' | 'off' = 'on';
  return {
    'bmc.status': () => ({ result: { powerState: power } }),
    'bmc.power': (job) => {
      power = (job.payload as { action: string }).action === 'off' ? 'off' : 'on';
      return { result: { powerState: power } };
    },
    'boot.prepare': () => ({ result: { bootServerUrl: 'http://127.0.0.1:8081' } }),
    'bmc.bootdev': () => ({ result: { device: 'pxe' } }),
    'ssh.inventory': () => ({ result: { inventory: sampleInventory('07'), hostKeyFingerprint: 'SHA256:abc' } }),
    after: async (job) => {
      if (job.kind === 'bmc.power' && (job.payload as { action: string }).action === 'on') {
        await h.relay.relay('site_test', { type: 'utility-ready', bmcAddress, address: '127.0.0.1:2222' });
      }
    },
  };
}

describe('the discovery workflow', () => {
  let h: Orchestration;
  beforeAll(async () => {
    h = await startOrchestration();
  });
  afterAll(async () => h.close());

  it('boots the utility OS once, takes inventory, powers off and makes the asset available', async () => {
    const asset = buildAsset();
    await h.assets.insert(asset);
    const workflowId = uniqueName('discovery');
    await h.workflows.recordStart({
      _id: workflowId,
      orgId: asset.orgId,
      type: 'discovery',
      target: { assetId: asset._id },
    });
    const agent = new FakeAgent(h.bridge, 'site_test', healthyMachine(h, asset.bmc.address)).start();
    try {
      const result = await h.client.workflow.execute('discovery', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ assetId: asset._id, timings: fast }],
      });
      expect(result).toMatchObject({ assetId: asset._id, disks: 2, nics: 1 });
      expect(result.specs.disk).toContain('NVMe');
      await recordHistory(h.client.workflow.getHandle(workflowId), 'discovery-completed');
    } finally {
      await agent.stop();
    }
    const kinds = agent.seen.map(
      (j) => `${j.kind}${'action' in (j.payload as object) ? `:${(j.payload as { action: string }).action}` : ''}`,
    );
    expect(kinds).toEqual([
      'bmc.status',
      'bmc.power:off',
      'boot.prepare',
      'bmc.bootdev',
      'bmc.power:on',
      'ssh.inventory',
      'bmc.power:off',
    ]);
    const stored = await h.assets.get(asset._id);
    expect(stored).toMatchObject({ state: 'available', macs: ['52:54:00:aa:00:07'], workflowId });
    expect(stored.inventory?.disks).toHaveLength(2);
    expect(stored.specs?.cpu).toContain('Xeon');
    const index = await h.workflows.get(workflowId);
    expect(index).toMatchObject({ status: 'completed', progress: 100 });
    expect(index?.steps.every((s) => s.status === 'completed' && typeof s.durationMs === 'number')).toBe(true);
    expect(index?.finishedAt).toBeInstanceOf(Date);
  });

  it('fails fast with BmcAuthFailed and records the reason when the BMC password is wrong', async () => {
    const asset = buildAsset();
    await h.assets.insert(asset);
    const workflowId = uniqueName('discovery');
    await h.workflows.recordStart({
      _id: workflowId,
      orgId: asset.orgId,
      type: 'discovery',
      target: { assetId: asset._id },
    });
    const agent = new FakeAgent(h.bridge, 'site_test', {
      'bmc.status': () => ({ failure: { type: 'BmcAuthFailed', message: 'RAKP 2 HMAC is invalid', retryable: false } }),
      'bmc.power': () => ({ result: { powerState: 'off' } }),
    }).start();
    const started = Date.now();
    try {
      const run = h.client.workflow.execute('discovery', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ assetId: asset._id, timings: fast }],
      });
      await expect(run).rejects.toBeInstanceOf(WorkflowFailedError);
      await recordHistory(h.client.workflow.getHandle(workflowId), 'discovery-bmc-auth-failed');
    } finally {
      await agent.stop();
    }
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(agent.seen.filter((j) => j.kind === 'bmc.status')).toHaveLength(1);
    const stored = await h.assets.get(asset._id);
    expect(stored.state).toBe('error');
    expect(stored.lastError).toMatchObject({ step: 'Check BMC credentials', reason: 'BmcAuthFailed', workflowId });
    expect(stored.lastError?.message).toContain('RAKP 2 HMAC is invalid');
    const index = await h.workflows.get(workflowId);
    expect(index).toMatchObject({
      status: 'failed',
      error: { step: 'Check BMC credentials', reason: 'BmcAuthFailed' },
    });
  });

  it("re-issues the job of an agent that died mid-job, and refuses the dead job's late completion", async () => {
    const asset = buildAsset();
    await h.assets.insert(asset);
    const workflowId = uniqueName('discovery');
    const script = healthyMachine(h, asset.bmc.address);
    let died = false;
    const dying = new FakeAgent(h.bridge, 'site_test', {
      ...script,
      'ssh.inventory': () => {
        died = true;
        return { hang: true };
      },
    });
    dying.start();
    const run = h.client.workflow.execute('discovery', {
      taskQueue: h.taskQueue,
      workflowId,
      args: [{ assetId: asset._id, timings: fast }],
    });
    await expect.poll(() => died, { timeout: 30_000 }).toBe(true);
    await dying.stop();
    const deadJob = dying.seen.find((j) => j.kind === 'ssh.inventory')!;
    const survivor = new FakeAgent(h.bridge, 'site_test', script).start();
    try {
      await expect(run).resolves.toMatchObject({ assetId: asset._id });
    } finally {
      await survivor.stop();
    }
    const inventoryJobs = (await h.jobs.listForWorkflow(workflowId)).filter(
      (j) => j.kind === ('ssh.inventory' satisfies JobKind),
    );
    expect(inventoryJobs.length).toBeGreaterThanOrEqual(2);
    expect(inventoryJobs[0]?.state).toBe('withdrawn');
    await expect(
      h.bridge.complete('site_test', deadJob.id, deadJob.claimToken, {
        inventory: sampleInventory('07'),
        hostKeyFingerprint: 'x',
      }),
    ).rejects.toMatchObject({ code: 'JOB_WITHDRAWN', status: 409 });
  });
});
