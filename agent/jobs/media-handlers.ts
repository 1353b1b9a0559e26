/**
 * `bmc.boot_media`: the virtual-media counterpart of "set one-time PXE boot". The boot plan a
 * `boot.prepare` registered decides what the image boots, exactly as it decides what the boot
 * server answers a PXE request: one source of truth whichever way the machine boots.
 */
import { FailureTypes } from '../../shared/failure-types.js';
import type { JobHandler } from './job-context.js';
import { JobFailedError } from './job-failure.js';

export const bmcBootMedia: JobHandler<'bmc.boot_media'> = async ({ assetId, macs, efi }, ctx) => {
  const bmc = await ctx.bmcFor(assetId);
  const media = bmc.virtualMedia;
  if (media === undefined) {
    throw new JobFailedError({
      type: FailureTypes.BmcUnsupported,
      message: `Virtual-media boot needs a Redfish BMC; this asset's BMC speaks ${bmc.protocol}. Enrol it with bootMethod pxe, or reach its BMC over Redfish.`,
      retryable: false,
    });
  }
  if (ctx.bootMedia === undefined) {
    throw new JobFailedError({
      type: FailureTypes.InvalidJob,
      message: 'This agent builds no virtual-media images (grub-mkrescue is not available to it)',
      retryable: false,
    });
  }
  const mac = macs[0];
  // A machine never inventoried has no plan of its own: it boots the utility image, like every
  // unknown MAC. The registry's one default slot may be another discovery's by now (concurrent
  // discoveries each set it), so the image is this asset's utility boot, given a default exists.
  const plan =
    mac !== undefined
      ? ctx.bootPlans.get(mac)
      : ctx.bootPlans.defaultPlan && { kind: 'utility' as const, jobId: ctx.jobId, assetId };
  if (plan === undefined || plan.assetId !== assetId || plan.kind === 'local-disk') {
    throw new JobFailedError({
      type: FailureTypes.InvalidJob,
      message: `No utility or Talos boot plan is registered for asset ${assetId}: boot.prepare must run first`,
      retryable: false,
    });
  }
  const image = await ctx.bootMedia.build(plan, mac);
  ctx.reportProgress(
    { plan: plan.kind, image: { sha256: image.sha256, bytes: image.bytes } },
    `boot image built: ${plan.kind}, ${(image.bytes / 1024 / 1024).toFixed(1)} MiB, sha256 ${image.sha256.slice(0, 12)}`,
  );
  await media.insert(image.url);
  await media.bootOnce({ efi });
  ctx.reportProgress(
    { plan: plan.kind, inserted: true },
    `virtual CD inserted; next boot from it${efi ? ' (EFI)' : ''}`,
  );
  return { plan: plan.kind, image: { sha256: image.sha256, bytes: image.bytes } };
};
