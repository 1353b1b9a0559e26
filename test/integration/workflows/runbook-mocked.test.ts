import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowProgress } from '../../../db/workflow-index-repository.js';
import type { JobRequest } from '../../../shared/jobs.js';
import type { AssetFacts } from '../../../workflows/activities/asset-activities.js';
import { workflowBundle } from '../../support/orchestration-harness.js';
import { sampleInventory } from '../../support/sample-inventory.js';
import { temporalAddress, uniqueName } from '../../support/services.js';

/**
 * The discovery workflow against mocked activities (no database, no agent): what it asks the
 * agent, in which order, what it reports after each step, and how a failure ends it.
 */
function mockedActivities(options: { failOn?: string; unrecordedReports?: number; reportsBroken?: boolean } = {}) {
  const calls: string[] = [];
  const reports: WorkflowProgress[] = [];
  let unrecorded = options.unrecordedReports ?? 0;
  const facts: AssetFacts = { assetId: 'ast_m', siteId: 'site_m', state: 'enrolling', macs: [], disks: [] };
  return {
    calls,
    reports,
    activities: {
      async loadAsset() {
        return facts;
      },
      async transitionAsset(_id: string, transition: string) {
        calls.push(`asset:${transition}`);
      },
      async claimAsset(_id: string, transition: string) {
        calls.push(`asset:${transition}`);
        return facts;
      },
      async completeDiscovery() {
        calls.push('asset:completeDiscovery');
      },
      async markAssetFailed(_id: string, _wf: string, error: { reason: string }) {
        calls.push(`asset:failed:${error.reason}`);
      },
      async recordWipeReports() {},
      async recordProgress(_id: string, report: WorkflowProgress) {
        if (options.reportsBroken)
          throw ApplicationFailure.create({ type: 'IndexBroken', message: 'index unwritable', nonRetryable: true });
        if (unrecorded > 0) {
          unrecorded -= 1;
          throw new Error('connection to 127.0.0.1:27017 closed'); // what the driver says while the database restarts
        }
        reports.push(report);
      },
      async runOnAgent(_site: string, request: JobRequest) {
        const label = 'action' in request.payload ? `${request.kind}:${request.payload.action}` : request.kind;
        calls.push(label);
        if (label === options.failOn) {
          throw ApplicationFailure.create({ type: 'BmcUnsupported', message: 'no IPMI over LAN', nonRetryable: true });
        }
        if (request.kind === 'ssh.inventory') return { inventory: sampleInventory('55'), hostKeyFingerprint: 'x' };
        return { powerState: 'off' };
      },
    },
  };
}

describe('the discovery runbook with mocked activities', () => {
  let client: Client;
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: temporalAddress() });
    client = new Client({ connection });
  });
  afterAll(async () => connection.close());

  async function run(mock: ReturnType<typeof mockedActivities>, signalUtilityReady: boolean) {
    const taskQueue = uniqueName('mocked');
    const worker = await Worker.create({
      connection: await NativeConnection.connect({ address: temporalAddress() }),
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: mock.activities,
    });
    return worker.runUntil(async () => {
      const handle = await client.workflow.start('discovery', {
        taskQueue,
        workflowId: uniqueName('disc'),
        args: [{ assetId: 'ast_m', timings: { bootTimeout: '2 seconds' } }],
      });
      if (signalUtilityReady) {
        // Events of an earlier boot are forgotten at power-on, so the machine reports after it.
        await expect.poll(() => mock.calls.includes('bmc.power:on'), { timeout: 30_000 }).toBe(true);
        await handle.signal('bootEvent', {
          type: 'utility-ready',
          address: '10.0.0.9:22',
          at: new Date().toISOString(),
        });
      }
      return handle.result();
    });
  }

  it('asks the agent for each runbook step in order and reports progress after every step', async () => {
    const mock = mockedActivities();
    const result = await run(mock, true);
    expect(result.specs.ram).toMatch(/GB$/);
    expect(mock.calls).toEqual([
      'asset:startDiscovery',
      'bmc.status',
      'bmc.power:off',
      'boot.prepare',
      'bmc.bootdev',
      'bmc.power:on',
      'ssh.inventory',
      'bmc.power:off',
      'asset:completeDiscovery',
    ]);
    const last = mock.reports.at(-1)!;
    expect(last).toMatchObject({ status: 'completed', progress: 100 });
    expect(last.steps.map((s) => s.name)).toContain('Wait for utility OS');
    const progresses = mock.reports.map((r) => r.progress);
    expect(progresses).toEqual([...progresses].sort((a, b) => a - b));
  });

  it('reports once per step: a step’s "done" travels with the next step’s "started", no line lost', async () => {
    const mock = mockedActivities();
    await run(mock, true);
    const last = mock.reports.at(-1)!;
    const steps = last.steps.filter((s) => s.status === 'completed').map((s) => s.name);
    // One report as each step starts, and the final one.
    expect(mock.reports).toHaveLength(steps.length + 1);
    const lines = mock.reports.flatMap((r) => r.logs ?? []);
    expect(lines).toEqual([...steps.flatMap((name) => [`${name}: started`, `${name}: done`]), 'workflow completed']);
    // The report that starts a step already shows the one before it completed.
    const second = mock.reports[1]!;
    expect(second.steps[0]).toMatchObject({ status: 'completed', durationMs: expect.any(Number) });
    expect(second.currentStep).toBe(steps[1]);
  });

  it('fails the step with the agent’s failure type, marks the asset failed and powers off', async () => {
    const mock = mockedActivities({ failOn: 'bmc.power:on' });
    await expect(run(mock, false)).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(mock.calls.slice(-3)).toEqual(['bmc.power:on', 'asset:failed:BmcUnsupported', 'bmc.power:off']);
    expect(mock.reports.at(-1)).toMatchObject({
      status: 'failed',
      error: { step: 'Power on', reason: 'BmcUnsupported' },
    });
  });

  it('fails with BootTimeout when the utility OS never reports', async () => {
    const mock = mockedActivities();
    await expect(run(mock, false)).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(mock.reports.at(-1)).toMatchObject({
      status: 'failed',
      error: { step: 'Wait for utility OS', reason: 'BootTimeout' },
    });
    expect(mock.calls).not.toContain('ssh.inventory');
  });

  it('waits out a database that cannot take progress reports for a while, then records them', async () => {
    const mock = mockedActivities({ unrecordedReports: 5 }); // five attempts used to fail the run
    await run(mock, true);
    expect(mock.reports.at(-1)).toMatchObject({ status: 'completed', progress: 100 });
    expect(mock.reports[0]!.logs).toEqual(['Claim asset: started']);
  }, 60_000);

  it('completes the run, its assets handled, when its progress cannot be recorded at all', async () => {
    const mock = mockedActivities({ reportsBroken: true });
    const result = await run(mock, true);
    expect(result.specs.ram).toMatch(/GB$/);
    expect(mock.calls.at(-1)).toBe('asset:completeDiscovery');
    expect(mock.reports).toEqual([]);
  });
});
