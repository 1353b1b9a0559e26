import { describe, expect, it } from 'vitest';
import type { VirtualMedia } from '../bmc/bmc-driver.js';
import { FakeBmcDriver } from '../bmc/fake-bmc-driver.js';
import type { BootPlan } from '../boot/boot-plans.js';
import { runJob } from './job-handlers.js';
import { testContext } from './test-context.js';

const SHA = 'c'.repeat(64);
const MAC = 'b4:96:91:10:00:00';

/** A Redfish-like fake: a virtual CD that records what it was told. */
class MediaBmc extends FakeBmcDriver {
  readonly mediaCalls: string[] = [];
  readonly virtualMedia: VirtualMedia = {
    insert: async (url) => void this.mediaCalls.push(`insert ${url}`),
    eject: async () => void this.mediaCalls.push('eject'),
    bootOnce: async ({ efi }) => void this.mediaCalls.push(`bootOnce efi=${efi}`),
  };
}

function mediaContext(bmc: FakeBmcDriver) {
  const built: { plan: BootPlan; mac: string | undefined }[] = [];
  const t = testContext({ bmcs: { a1: bmc } });
  const ctx = {
    ...t.ctx,
    bootMedia: {
      build: async (plan: BootPlan, mac: string | undefined) => {
        built.push({ plan, mac });
        return { url: 'http://10.0.0.2:8080/media/tok.iso', sha256: SHA, bytes: 20 * 1024 * 1024 };
      },
    },
  };
  return { ...t, ctx, built };
}

describe('bmc.boot_media', () => {
  it('burns the plan registered for the machine, inserts it and makes the virtual CD the next boot', async () => {
    const bmc = new MediaBmc({ protocol: 'redfish' });
    const { ctx, built, progress } = mediaContext(bmc);
    ctx.bootPlans.register(MAC, { kind: 'utility', jobId: 'job-0', assetId: 'a1' });
    expect(await runJob('bmc.boot_media', { assetId: 'a1', macs: [MAC], efi: true }, ctx)).toEqual({
      plan: 'utility',
      image: { sha256: SHA, bytes: 20 * 1024 * 1024 },
    });
    expect(built).toEqual([{ plan: expect.objectContaining({ kind: 'utility', assetId: 'a1' }), mac: MAC }]);
    expect(bmc.mediaCalls).toEqual(['insert http://10.0.0.2:8080/media/tok.iso', 'bootOnce efi=true']);
    expect(progress.map((p) => p.logLine)).toEqual([
      expect.stringMatching(/^boot image built: utility, 20\.0 MiB/),
      'virtual CD inserted; next boot from it (EFI)',
    ]);
  });

  it('uses the asset’s default plan for a machine whose MACs are not known yet', async () => {
    const bmc = new MediaBmc({ protocol: 'redfish' });
    const { ctx, built } = mediaContext(bmc);
    ctx.bootPlans.setDefaultPlan({ kind: 'utility', jobId: 'job-0', assetId: 'a1' });
    await runJob('bmc.boot_media', { assetId: 'a1', macs: [], efi: false }, ctx);
    expect(built).toEqual([{ plan: expect.objectContaining({ kind: 'utility', assetId: 'a1' }), mac: undefined }]);
  });

  it('still boots its own utility image when a concurrent discovery took over the default plan', async () => {
    const bmc = new MediaBmc({ protocol: 'redfish' });
    const { ctx, built } = mediaContext(bmc);
    ctx.bootPlans.setDefaultPlan({ kind: 'utility', jobId: 'job-9', assetId: 'other' });
    await runJob('bmc.boot_media', { assetId: 'a1', macs: [], efi: true }, ctx);
    expect(built).toEqual([{ plan: { kind: 'utility', jobId: 'job-1', assetId: 'a1' }, mac: undefined }]);
    expect(bmc.mediaCalls).toHaveLength(2);
  });

  it('fails clearly, touching nothing, for an IPMI BMC and for no plan', async () => {
    const ipmi = mediaContext(new FakeBmcDriver({ protocol: 'ipmi' }));
    ipmi.ctx.bootPlans.register(MAC, { kind: 'utility', jobId: 'job-0', assetId: 'a1' });
    await expect(runJob('bmc.boot_media', { assetId: 'a1', macs: [MAC], efi: true }, ipmi.ctx)).rejects.toMatchObject({
      failure: { type: 'BmcUnsupported', retryable: false, message: expect.stringMatching(/needs a Redfish BMC/) },
    });
    const bmc = new MediaBmc({ protocol: 'redfish' });
    const none = mediaContext(bmc);
    await expect(runJob('bmc.boot_media', { assetId: 'a1', macs: [MAC], efi: true }, none.ctx)).rejects.toMatchObject({
      failure: { type: 'InvalidJob', message: expect.stringMatching(/boot.prepare must run first/) },
    });
    await expect(runJob('bmc.boot_media', { assetId: 'a1', macs: [], efi: true }, none.ctx)).rejects.toMatchObject({
      failure: { type: 'InvalidJob' },
    });
    expect(bmc.mediaCalls).toEqual([]);
    expect(ipmi.built).toEqual([]);
  });
});
