import { workflowInfo } from '@temporalio/workflow';
import { agentFor } from './agent-steps.js';
import { assetActivities, machineTimings, settleMachineFailure, type MachineTimings } from './asset-steps.js';
import { BootWatcher } from './boot-events.js';
import { PXE_STEP, bootMachine, claimAsset } from './machine-steps.js';
import { Runbook } from './runbook.js';

export interface ProvisionOsInput {
  assetId: string;
  clusterId: string;
  talosVersion: string;
  /** Static address the node takes (also passed on the kernel command line). */
  staticIp: { ip: string; prefix: number; gateway: string };
  timings?: Partial<MachineTimings>;
}

export interface ProvisionOsResult {
  assetId: string;
  talosVersion: string;
  nodeIp: string;
}

const STEPS = [
  'Claim asset',
  'Check BMC credentials',
  'Power off',
  'Plan Talos boot',
  PXE_STEP,
  'Power on',
  'Wait for machine config fetch',
  'Wait for Talos API',
  'Boot from disk from now on',
  'Mark provisioned',
] as const;

/**
 * Installs Talos on one asset: PXE-boots the Talos kernel with `talos.config=` pointing at the
 * agent's per-machine config URL, waits for the machine to fetch it and for the Talos API to
 * answer with the cluster's credentials, then makes the disk the persistent boot device.
 */
export async function provisionOs(input: ProvisionOsInput): Promise<ProvisionOsResult> {
  const { assetId, clusterId, talosVersion, staticIp } = input;
  const timings = machineTimings(input.timings);
  const runbook = new Runbook(STEPS);
  const boot = new BootWatcher();
  const agent = agentFor(timings);
  const { workflowId } = workflowInfo();

  const asset = await claimAsset(runbook, assetId, 'startProvision', workflowId);
  const site = asset.siteId;
  try {
    await bootMachine(runbook, agent, boot, asset, 'Plan Talos boot', {
      kind: 'talos',
      talosVersion,
      clusterId,
      staticIp,
    });
    await runbook.step('Wait for machine config fetch', () =>
      boot.waitFor('config-fetched', timings.bootTimeout, 'The machine fetching its Talos config'),
    );
    await runbook.step('Wait for Talos API', () =>
      // The install ran in the boot that fetched the config: a node whose install failed never answers.
      agent.run(site, 'talos.waitApi', { assetId, clusterId, nodeIp: staticIp.ip }, { within: timings.bootTimeout }),
    );
    await runbook.step('Boot from disk from now on', () =>
      agent.run(site, 'bmc.bootdev', { assetId, device: 'disk', once: false, efi: true }),
    );
    await runbook.step('Mark provisioned', () =>
      assetActivities.transitionAsset(assetId, 'finishProvision', workflowId),
    );
    await runbook.end('completed');
    return { assetId, talosVersion, nodeIp: staticIp.ip };
  } catch (err) {
    return settleMachineFailure(runbook, assetId, err, () => agent.run(site, 'bmc.power', { assetId, action: 'off' }));
  }
}
