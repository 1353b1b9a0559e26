/**
 * `boot.prepare`: tells the boot server what to answer a machine's MACs. A Talos plan gets a fresh
 * per-machine config token (the config URL is unguessable and served only to that MAC). A utility
 * plan without MACs (a machine not yet inventoried) becomes the default "unknown MAC → utility".
 */
import { randomBytes } from 'node:crypto';
import type { BootPlan } from '../boot/boot-plans.js';
import { FailureTypes } from '../../shared/failure-types.js';
import type { JobHandler } from './job-context.js';
import { JobFailedError } from './job-failure.js';

/** Returns a new config URL token: 32 random bytes, base64url (43 characters). */
export function newConfigToken(): string {
  return randomBytes(32).toString('base64url');
}

export const bootPrepare: JobHandler<'boot.prepare'> = async ({ assetId, macs, plan }, ctx) => {
  const base = { jobId: ctx.jobId, assetId };
  if (macs.length === 0) {
    if (plan.kind !== 'utility') {
      throw new JobFailedError({
        type: FailureTypes.InvalidJob,
        message: `A ${plan.kind} boot plan needs the machine's MACs; only utility can be the default`,
        retryable: false,
      });
    }
    ctx.bootPlans.setDefaultPlan({ kind: 'utility', ...base });
    await ctx.bootPlans.whenSaved();
    ctx.reportProgress({ plan: 'utility', default: true }, 'unknown MACs will boot the utility image');
    return { bootServerUrl: ctx.bootServerUrl() };
  }
  for (const mac of macs) {
    // One token per MAC: the registry refuses a token shared by two MACs.
    const bootPlan: BootPlan =
      plan.kind === 'talos'
        ? {
            kind: 'talos',
            ...base,
            talos: {
              version: plan.talosVersion,
              configUrlToken: newConfigToken(),
              ...(plan.staticIp === undefined ? {} : { staticIp: plan.staticIp }),
            },
          }
        : { kind: plan.kind, ...base };
    ctx.bootPlans.register(mac, bootPlan);
  }
  // The machine is known now: the discovery default set for it is no longer needed.
  ctx.bootPlans.clearDefaultPlan({ assetId });
  // On disk before the job reports done: the agent may die before the machine is powered on.
  await ctx.bootPlans.whenSaved();
  ctx.reportProgress({ plan: plan.kind, macs }, `boot plan ${plan.kind} registered for ${macs.join(', ')}`);
  return { bootServerUrl: ctx.bootServerUrl() };
};
