import { workflowInfo } from '@temporalio/workflow';
import type { AssetSpecs } from '../../shared/inventory.js';
import { summarizeSpecs } from '../../shared/inventory.js';
import { agentFor } from './agent-steps.js';
import { assetActivities, machineTimings, settleMachineFailure, type MachineTimings } from './asset-steps.js';
import { BootWatcher } from './boot-events.js';
import { PXE_STEP, bootMachine, claimAsset } from './machine-steps.js';
import { Runbook } from './runbook.js';

export interface DiscoveryInput {
  assetId: string;
  timings?: Partial<MachineTimings>;
}

export interface DiscoveryResult {
  assetId: string;
  specs: AssetSpecs;
  disks: number;
  nics: number;
}

const STEPS = [
  'Claim asset',
  'Check BMC credentials',
  'Power off',
  'Plan utility-OS boot',
  PXE_STEP,
  'Power on',
  'Wait for utility OS',
  'Take inventory',
  'Power off after inventory',
  'Record inventory',
] as const;

/**
 * Discovers a server enrolled by its BMC: boots it once into the utility OS over PXE, takes its
 * hardware inventory over SSH, checks it is the machine its BMC reports (Redfish: serial, MACs),
 * powers it off, and makes it `available`.
 */
export async function discovery(input: DiscoveryInput): Promise<DiscoveryResult> {
  const { assetId } = input;
  const timings = machineTimings(input.timings);
  const runbook = new Runbook(STEPS);
  const boot = new BootWatcher();
  const agent = agentFor(timings);
  const { workflowId } = workflowInfo();

  const asset = await claimAsset(runbook, assetId, 'startDiscovery', workflowId);
  const site = asset.siteId;
  try {
    const bmc = await bootMachine(runbook, agent, boot, asset, 'Plan utility-OS boot', { kind: 'utility' });
    const utility = await runbook.step('Wait for utility OS', () =>
      boot.waitFor('utility-ready', timings.bootTimeout, 'The utility OS answering over SSH'),
    );
    const { inventory } = await runbook.step('Take inventory', () =>
      agent.run(site, 'ssh.inventory', { assetId, address: utility.address ?? '' }),
    );
    await runbook.step('Power off after inventory', () => agent.run(site, 'bmc.power', { assetId, action: 'off' }));
    await runbook.step('Record inventory', () =>
      assetActivities.completeDiscovery(assetId, workflowId, inventory, bmc.hardware),
    );
    await runbook.end('completed');
    return { assetId, specs: summarizeSpecs(inventory), disks: inventory.disks.length, nics: inventory.nics.length };
  } catch (err) {
    return settleMachineFailure(runbook, assetId, err, () => agent.run(site, 'bmc.power', { assetId, action: 'off' }));
  }
}
