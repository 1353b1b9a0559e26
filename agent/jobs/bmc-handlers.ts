/**
 * Handlers of the BMC job kinds. Every one is idempotent (power on twice = on) and reads the state
 * back from the BMC before it reports success.
 */
import { BmcCommandFailedError, isBmcError } from '../bmc/bmc-errors.js';
import type { BmcHardware } from '../../shared/inventory.js';
import type { BmcDriver, PowerState } from '../bmc/bmc-driver.js';
import { sleep } from '../api-client/backoff.js';
import type { JobContext, JobHandler } from './job-context.js';

/**
 * `bmc.status`: the credentials work (a session opens), the chassis power state, the protocol
 * spoken, and what the BMC reports of the hardware (Redfish) for discovery to check the booted
 * machine against. A BMC that fails to report hardware still passes the status check.
 */
export const bmcStatus: JobHandler<'bmc.status'> = async ({ assetId }, ctx) => {
  const bmc = await ctx.bmcFor(assetId);
  await bmc.checkCredentials();
  const powerState = await bmc.powerState();
  let hardware: BmcHardware | undefined;
  try {
    hardware = await bmc.hardware();
  } catch (err) {
    if (isBmcError(err) && err.type === 'BmcAuthFailed') throw err;
    ctx.logger.warn({ assetId, err: (err as Error).message }, 'BMC hardware report unavailable');
  }
  if (hardware) {
    ctx.reportProgress(
      { protocol: bmc.protocol, drives: hardware.drives.length, macs: hardware.macs.length },
      `BMC (${bmc.protocol}) reports ${hardware.drives.length} drives, ${hardware.macs.length} MACs`,
    );
  }
  return { powerState, protocol: bmc.protocol, ...(hardware ? { hardware } : {}) };
};

const TARGET: Record<'on' | 'off' | 'cycle' | 'soft', PowerState> = { on: 'on', off: 'off', cycle: 'on', soft: 'off' };

/** `bmc.power`: changes the power state and waits until the BMC reports the new one. */
export const bmcPower: JobHandler<'bmc.power'> = async ({ assetId, action }, ctx) => {
  const bmc = await ctx.bmcFor(assetId);
  ctx.reportProgress({ action, phase: 'requested' }, `power ${action} requested`);
  if (action === 'on') await bmc.powerOn();
  else if (action === 'off') await bmc.powerOff();
  else if (action === 'cycle') await bmc.powerCycle();
  else await bmc.powerSoft();
  const powerState = await waitForPower(bmc, TARGET[action], ctx);
  ctx.reportProgress({ action, phase: 'done', powerState }, `BMC reports power ${powerState}`);
  return { powerState };
};

/**
 * Polls the power state until it is `target`. A soft-off only asks the OS to shut down, so this is
 * where the job waits for it. Throws a retryable `BmcCommandFailed` when the state never changes.
 */
export async function waitForPower(bmc: BmcDriver, target: PowerState, ctx: JobContext): Promise<PowerState> {
  const deadline = Date.now() + ctx.timings.powerWaitMs;
  for (;;) {
    const state = await bmc.powerState();
    if (state === target) return state;
    if (Date.now() + ctx.timings.powerPollIntervalMs > deadline) {
      throw new BmcCommandFailedError(
        `BMC still reports power ${state} ${Math.round(ctx.timings.powerWaitMs / 1000)} s after asking for ${target}`,
        { retryable: true, details: { operation: `waitForPower(${target})` } },
      );
    }
    await sleep(ctx.timings.powerPollIntervalMs, ctx.signal);
  }
}

/** `bmc.bootdev`: sets the next (or every) boot device, then reads the override back. */
export const bmcBootdev: JobHandler<'bmc.bootdev'> = async ({ assetId, device, once, efi }, ctx) => {
  const bmc = await ctx.bmcFor(assetId);
  await bmc.setBootDevice(device, { once, efi });
  const flags = await bmc.bootFlags();
  // A BMC that acknowledged but holds another device would send the machine to the wrong place.
  if (flags.valid && flags.device !== device) {
    throw new BmcCommandFailedError(`BMC acknowledged boot device ${device} but holds ${flags.deviceDescription}`, {
      retryable: true,
      details: { operation: 'setBootDevice' },
    });
  }
  ctx.reportProgress(
    { device, once, efi },
    `boot device ${device} (${once ? 'next boot' : 'persistent'}${efi ? ', EFI' : ''})`,
  );
  return { device };
};
