import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { FailureTypes } from '../../shared/failure-types.js';
import type { WipeMethod, WipeReport } from '../../shared/wipe-report.js';
import { agentFor } from './agent-steps.js';
import { assetActivities, machineTimings, settleMachineFailure, type MachineTimings } from './asset-steps.js';
import { BootWatcher } from './boot-events.js';
import { PXE_STEP, bootMachine, claimAsset } from './machine-steps.js';
import { Runbook } from './runbook.js';

export interface WipeInput {
  assetId: string;
  mode: WipeMethod;
  timings?: Partial<MachineTimings>;
}

export interface WipeResult {
  assetId: string;
  reports: WipeReport[];
}

const STEPS = [
  'Claim asset',
  'Check BMC credentials',
  'Power off',
  'Plan utility-OS boot',
  PXE_STEP,
  'Power on',
  'Wait for utility OS',
  'Wipe and verify disks',
  'Record wipe reports',
  'Plan local-disk boot',
  'Power off after wipe',
  'Release asset',
] as const;

/**
 * Erases every disk of an asset from the utility OS and proves it: per-disk verification
 * (no signatures, zeroed head and tail read back), reports stored on the asset and the workflow,
 * then power off and `available`. Disks are named by serial/WWN; the agent refuses a mismatch.
 */
export async function wipe(input: WipeInput): Promise<WipeResult> {
  const { assetId, mode } = input;
  const timings = machineTimings(input.timings);
  const runbook = new Runbook(STEPS);
  const boot = new BootWatcher();
  const agent = agentFor(timings);
  const { workflowId } = workflowInfo();

  const asset = await claimAsset(runbook, assetId, 'startWipe', workflowId);
  const site = asset.siteId;
  try {
    await bootMachine(runbook, agent, boot, asset, 'Plan utility-OS boot', { kind: 'utility' });
    const utility = await runbook.step('Wait for utility OS', () =>
      boot.waitFor('utility-ready', timings.bootTimeout, 'The utility OS answering over SSH'),
    );
    const { reports } = await runbook.step('Wipe and verify disks', () =>
      agent.run(site, 'ssh.wipe', { assetId, address: utility.address ?? '', mode, disks: asset.disks }),
    );
    await runbook.step('Record wipe reports', async () => {
      await assetActivities.recordWipeReports(assetId, reports);
      const failed = reports.filter((r) => !r.verification.passed);
      if (failed.length > 0) {
        throw ApplicationFailure.create({
          type: FailureTypes.WipeVerificationFailed,
          message: `Verification failed on ${failed.map((r) => `${r.diskId} (${r.verification.problems.join('; ')})`).join(', ')}`,
          nonRetryable: true,
        });
      }
    });
    await runbook.step('Plan local-disk boot', () =>
      agent.run(site, 'boot.prepare', { assetId, macs: asset.macs, plan: { kind: 'local-disk' } }),
    );
    await runbook.step('Power off after wipe', () => agent.run(site, 'bmc.power', { assetId, action: 'off' }));
    await runbook.step('Release asset', () => assetActivities.transitionAsset(assetId, 'finishWipe', workflowId));
    await runbook.end('completed');
    return { assetId, reports };
  } catch (err) {
    return settleMachineFailure(runbook, assetId, err, () => agent.run(site, 'bmc.power', { assetId, action: 'off' }));
  }
}
