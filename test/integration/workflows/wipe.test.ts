import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WipeReport, WipeTarget } from '../../../shared/wipe-report.js';
import { FakeAgent, type FakeAgentScript } from '../../support/fake-agent.js';
import { buildAsset, startOrchestration, type Orchestration } from '../../support/orchestration-harness.js';
import { sampleInventory } from '../../support/sample-inventory.js';
import { recordHistory } from '../../support/histories.js';
import { uniqueName } from '../../support/services.js';

const fast = { heartbeatTimeout: '3 seconds', bootTimeout: '20 seconds' };

function report(target: WipeTarget, passed: boolean): WipeReport {
  const at = new Date().toISOString();
  return {
    diskId: target.wwn ?? target.serial ?? target.path,
    path: target.path,
    model: 'disk',
    serial: target.serial ?? null,
    wwn: target.wwn ?? null,
    sizeBytes: 1024,
    method: 'quick',
    technique: 'metadata',
    commands: [{ command: `wipefs -a ${target.path}`, exitCode: 0, durationMs: 3 }],
    verification: {
      passed,
      signaturesFound: passed ? [] : ['gpt'],
      headBytesChecked: 512,
      headZero: passed,
      tailBytesChecked: 512,
      tailZero: true,
      problems: passed ? [] : ['gpt signature still present'],
    },
    startedAt: at,
    finishedAt: at,
  };
}

/** A provisioned machine whose utility OS wipes as told; `failDisk` names a disk whose erase does not stick. */
function machine(
  h: Orchestration,
  mac: string,
  options: { failDisk?: string; beforeBoot?: () => Promise<void> } = {},
): FakeAgentScript {
  return {
    'bmc.status': () => ({ result: { powerState: 'on' } }),
    'bmc.power': (job) => ({
      result: { powerState: (job.payload as { action: string }).action === 'off' ? 'off' : 'on' },
    }),
    'boot.prepare': () => ({ result: { bootServerUrl: 'http://127.0.0.1:8081' } }),
    'bmc.bootdev': () => ({ result: { device: 'pxe' } }),
    'ssh.wipe': (job) => {
      const disks = (job.payload as { disks: WipeTarget[] }).disks;
      return { result: { reports: disks.map((d) => report(d, d.path !== options.failDisk)) } };
    },
    after: async (job) => {
      if (job.kind === 'bmc.power' && (job.payload as { action: string }).action === 'on') {
        await options.beforeBoot?.();
        await h.relay.relay('site_test', { type: 'utility-ready', mac, address: '127.0.0.1:2222' });
      }
    },
  };
}

let machines = 10;

async function provisionedAsset(h: Orchestration) {
  const inventory = sampleInventory(String(machines++));
  const asset = buildAsset({ state: 'provisioned', inventory, macs: inventory.nics.map((n) => n.mac) });
  await h.assets.insert(asset);
  const workflowId = uniqueName('wipe');
  await h.workflows.recordStart({
    _id: workflowId,
    orgId: asset.orgId,
    type: 'disk-wipe',
    target: { assetId: asset._id },
  });
  return { asset, workflowId, mac: inventory.nics[0]!.mac };
}

describe('the wipe workflow', () => {
  let h: Orchestration;
  beforeAll(async () => {
    h = await startOrchestration();
  });
  afterAll(async () => h.close());

  it('wipes every disk by identity, stores the per-disk reports and releases the asset', async () => {
    const { asset, workflowId, mac } = await provisionedAsset(h);
    const agent = new FakeAgent(h.bridge, 'site_test', machine(h, mac)).start();
    try {
      const result = await h.client.workflow.execute('wipe', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ assetId: asset._id, mode: 'quick', timings: fast }],
      });
      expect(result.reports).toHaveLength(2);
      await recordHistory(h.client.workflow.getHandle(workflowId), 'wipe-completed');
    } finally {
      await agent.stop();
    }
    const wipeJob = agent.seen.find((j) => j.kind === 'ssh.wipe');
    expect(wipeJob?.payload).toMatchObject({
      mode: 'quick',
      address: '127.0.0.1:2222',
      disks: [
        { path: '/dev/nvme0n1', serial: expect.stringMatching(/^S64FNE0R/), wwn: expect.stringMatching(/^eui\./) },
        { path: '/dev/sda', serial: expect.stringMatching(/^WJG0/), wwn: expect.stringMatching(/^0x5000c500/) },
      ],
    });
    const stored = await h.assets.get(asset._id);
    expect(stored.state).toBe('available');
    expect(stored.wipeReports?.map((r) => r.verification.passed)).toEqual([true, true]);
    expect(await h.workflows.get(workflowId)).toMatchObject({ status: 'completed', progress: 100 });
  });

  it('fails with WipeVerificationFailed when a disk still carries data, keeping the evidence', async () => {
    const { asset, workflowId, mac } = await provisionedAsset(h);
    const agent = new FakeAgent(h.bridge, 'site_test', machine(h, mac, { failDisk: '/dev/sda' })).start();
    try {
      const run = h.client.workflow.execute('wipe', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ assetId: asset._id, mode: 'quick', timings: fast }],
      });
      await expect(run).rejects.toBeInstanceOf(WorkflowFailedError);
    } finally {
      await agent.stop();
    }
    const stored = await h.assets.get(asset._id);
    expect(stored.state).toBe('error');
    expect(stored.lastError).toMatchObject({ step: 'Record wipe reports', reason: 'WipeVerificationFailed' });
    expect(stored.lastError?.message).toContain('gpt signature still present');
    expect(stored.wipeReports?.map((r) => r.verification.passed)).toEqual([true, false]);
  });

  it('completes when the worker is restarted while the machine boots', async () => {
    const { asset, workflowId, mac } = await provisionedAsset(h);
    let restarted = false;
    const agent = new FakeAgent(
      h.bridge,
      'site_test',
      machine(h, mac, {
        beforeBoot: async () => {
          await h.stopWorker();
          await h.startWorker();
          restarted = true;
        },
      }),
    ).start();
    try {
      const result = await h.client.workflow.execute('wipe', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ assetId: asset._id, mode: 'secure', timings: fast }],
      });
      expect(result.reports).toHaveLength(2);
    } finally {
      await agent.stop();
    }
    expect(restarted).toBe(true);
    expect((await h.assets.get(asset._id)).state).toBe('available');
  });

  it('on cancellation powers the machine off, marks the run cancelled and withdraws the pending job', async () => {
    const { asset, workflowId, mac } = await provisionedAsset(h);
    const agent = new FakeAgent(h.bridge, 'site_test', {
      ...machine(h, mac),
      'ssh.wipe': () => ({ hang: true }),
    }).start();
    try {
      const handle = await h.client.workflow.start('wipe', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ assetId: asset._id, mode: 'quick', timings: fast }],
      });
      await expect.poll(() => agent.seen.some((j) => j.kind === 'ssh.wipe'), { timeout: 30_000 }).toBe(true);
      await handle.cancel();
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      await expect.poll(async () => (await h.workflows.get(workflowId))?.status, { timeout: 10_000 }).toBe('cancelled');
      await recordHistory(handle, 'wipe-cancelled');
    } finally {
      await agent.stop();
    }
    const powerOffs = agent.seen.filter(
      (j) => j.kind === 'bmc.power' && (j.payload as { action: string }).action === 'off',
    );
    expect(powerOffs.length).toBe(2);
    const wipeJob = (await h.jobs.listForWorkflow(workflowId)).find((j) => j.kind === 'ssh.wipe');
    const claimed = agent.seen.find((j) => j.kind === 'ssh.wipe')!;
    await expect(
      h.bridge.heartbeat('site_test', claimed.id, claimed.claimToken, { progress: { disk: 1 } }),
    ).rejects.toMatchObject({ code: 'JOB_WITHDRAWN' });
    expect(wipeJob).toBeDefined();
  });
});
