import { patched } from '@temporalio/workflow';
import type { AssetTransition } from '../../shared/asset-state.js';
import type { JobPayload, JobWorkflowResult } from '../../shared/jobs.js';
import type { AssetFacts } from '../activities/asset-activities.js';
import type { Agent } from './agent-steps.js';
import { assetActivities } from './asset-steps.js';
import type { BootWatcher } from './boot-events.js';
import type { Runbook } from './runbook.js';

type BootPlan = JobPayload<'boot.prepare'>['plan'];

/** Runs after this patch claim the asset in one activity (runs from before replay their two). */
const ONE_ACTIVITY_CLAIM_PATCH = 'claim-asset-in-one-activity';

/** Step 1 of every machine runbook: read the asset and take it with `transition` (the state is the gate). */
export function claimAsset(
  runbook: Runbook,
  assetId: string,
  transition: AssetTransition,
  workflowId: string,
): Promise<AssetFacts> {
  return runbook.step('Claim asset', async () => {
    if (patched(ONE_ACTIVITY_CLAIM_PATCH)) return assetActivities.claimAsset(assetId, transition, workflowId);
    const facts = await assetActivities.loadAsset(assetId);
    await assetActivities.transitionAsset(assetId, transition, workflowId);
    return facts;
  });
}

/** The boot-device step as runbooks plan it, and what it becomes for a virtual-media asset. */
export const PXE_STEP = 'Set one-time PXE boot';
const MEDIA_STEP = 'Boot once from virtual media';

/**
 * The opening every machine runbook shares, as an operator does it by hand: check the BMC
 * answers with our credentials, power off, tell the boot server what this machine boots
 * (`planStep` names that step in the runbook), set a one-time PXE boot — or, for an asset that
 * boots from virtual media, have the agent burn that same plan into an ISO the BMC inserts and
 * boots once — and power on. The boot watcher is reset just before power-on, so only events of
 * this boot count.
 */
export async function bootMachine(
  runbook: Runbook,
  agent: Agent,
  boot: BootWatcher,
  asset: AssetFacts,
  planStep: string,
  plan: BootPlan,
): Promise<JobWorkflowResult<'bmc.status'>> {
  const { assetId, siteId: site } = asset;
  const status = await runbook.step('Check BMC credentials', () => agent.run(site, 'bmc.status', { assetId }));
  await runbook.step('Power off', () => agent.run(site, 'bmc.power', { assetId, action: 'off' }));
  await runbook.step(planStep, () => agent.run(site, 'boot.prepare', { assetId, macs: asset.macs, plan }));
  // Histories recorded before virtual media have no bootMethod: they took the PXE path.
  if (asset.bootMethod === 'virtual-media') {
    runbook.rename(PXE_STEP, MEDIA_STEP);
    await runbook.step(MEDIA_STEP, () => agent.run(site, 'bmc.boot_media', { assetId, macs: asset.macs, efi: true }));
  } else {
    await runbook.step(PXE_STEP, () =>
      agent.run(site, 'bmc.bootdev', { assetId, device: 'pxe', once: true, efi: true }),
    );
  }
  boot.reset();
  await runbook.step('Power on', () => agent.run(site, 'bmc.power', { assetId, action: 'on' }));
  return status;
}
