import { describe, expect, it } from 'vitest';
import { BmcAuthFailedError, BmcUnreachableError } from '../bmc/bmc-errors.js';
import { FakeBmcDriver } from '../bmc/fake-bmc-driver.js';
import { runJob } from './job-handlers.js';
import { toJobFailure } from './job-failure.js';
import { testContext } from './test-context.js';

describe('BMC job handlers', () => {
  it('bmc.status checks the credentials and reports the power state', async () => {
    const bmc = new FakeBmcDriver({ power: 'on' });
    const { ctx } = testContext({ bmcs: { a1: bmc } });
    expect(await runJob('bmc.status', { assetId: 'a1' }, ctx)).toEqual({ powerState: 'on', protocol: 'ipmi' });
    expect(bmc.operations).toEqual(['checkCredentials', 'powerState', 'hardware']);
  });

  it('bmc.status carries what a Redfish BMC reports of the hardware', async () => {
    const hardware = {
      protocol: 'redfish' as const,
      manufacturer: 'Dell Inc.',
      model: 'PowerEdge R650',
      serial: 'LAB01X00',
      uuid: null,
      biosVersion: '1.10.2',
      bmcFirmware: '7.00.00.00',
      processors: { count: 2, model: null },
      memoryBytes: 128 * 1024 ** 3,
      drives: [],
      macs: ['b4:96:91:10:00:00'],
    };
    const bmc = new FakeBmcDriver({ power: 'off', protocol: 'redfish', hardware });
    const { ctx, progress } = testContext({ bmcs: { a1: bmc } });
    expect(await runJob('bmc.status', { assetId: 'a1' }, ctx)).toEqual({
      powerState: 'off',
      protocol: 'redfish',
      hardware,
    });
    expect(progress.map((p) => p.logLine)).toContain('BMC (redfish) reports 0 drives, 1 MACs');
  });

  it('bmc.status passes when the BMC fails to report hardware, but not when it refuses the credentials', async () => {
    const flaky = new FakeBmcDriver({ power: 'on', protocol: 'redfish' });
    flaky.failNext('hardware', new BmcUnreachableError('storage timed out'));
    const { ctx } = testContext({ bmcs: { a1: flaky } });
    expect(await runJob('bmc.status', { assetId: 'a1' }, ctx)).toEqual({ powerState: 'on', protocol: 'redfish' });

    const refusing = new FakeBmcDriver({ power: 'on', protocol: 'redfish' });
    refusing.failNext('hardware', new BmcAuthFailedError('HTTP 401'));
    const second = testContext({ bmcs: { a2: refusing } });
    await expect(runJob('bmc.status', { assetId: 'a2' }, second.ctx)).rejects.toMatchObject({ type: 'BmcAuthFailed' });
  });

  it('bmc.power on is idempotent and returns the state the BMC reports', async () => {
    const bmc = new FakeBmcDriver({ power: 'off' });
    const { ctx, progress } = testContext({ bmcs: { a1: bmc } });
    expect(await runJob('bmc.power', { assetId: 'a1', action: 'on' }, ctx)).toEqual({ powerState: 'on' });
    expect(await runJob('bmc.power', { assetId: 'a1', action: 'on' }, ctx)).toEqual({ powerState: 'on' });
    expect(bmc.boots).toEqual(['disk']);
    expect(progress.map((p) => p.logLine)).toContain('BMC reports power on');
  });

  it('bmc.power soft waits until the BMC reports the server off', async () => {
    const bmc = new FakeBmcDriver({ power: 'on' });
    bmc.powerSoft = async () => {
      bmc.calls.push({ operation: 'powerSoft', args: [] });
      setTimeout(() => (bmc.power = 'off'), 30); // the OS takes a moment to shut down
    };
    const { ctx } = testContext({ bmcs: { a1: bmc } });
    expect(await runJob('bmc.power', { assetId: 'a1', action: 'soft' }, ctx)).toEqual({ powerState: 'off' });
    expect(bmc.operations.filter((o) => o === 'powerState').length).toBeGreaterThan(1);
  });

  it('bmc.power fails retryable when the BMC never reports the new state', async () => {
    const bmc = new FakeBmcDriver({ power: 'on' });
    bmc.powerSoft = async () => {};
    const { ctx } = testContext({ bmcs: { a1: bmc }, timings: { powerWaitMs: 40 } });
    const err = await runJob('bmc.power', { assetId: 'a1', action: 'soft' }, ctx).catch((e: unknown) => e);
    expect(toJobFailure(err)).toMatchObject({ type: 'BmcCommandFailed', retryable: true });
  });

  it('bmc.bootdev sets PXE once with EFI and reads the override back', async () => {
    const bmc = new FakeBmcDriver();
    const { ctx } = testContext({ bmcs: { a1: bmc } });
    const payload = { assetId: 'a1', device: 'pxe', once: true, efi: true };
    expect(await runJob('bmc.bootdev', payload, ctx)).toEqual({ device: 'pxe' });
    expect(bmc.boot).toMatchObject({ valid: true, device: 'pxe', persistent: false, efi: true });
  });

  it('maps a refused password to BmcAuthFailed (not retryable) and an unreachable BMC to BmcUnreachable (retryable)', async () => {
    const bmc = new FakeBmcDriver()
      .failNext('checkCredentials', new BmcAuthFailedError('RAKP 2 HMAC is invalid'))
      .failNext('powerOn', new BmcUnreachableError('no answer from 10.0.0.9:623'));
    const { ctx } = testContext({ bmcs: { a1: bmc } });
    const auth = await runJob('bmc.status', { assetId: 'a1' }, ctx).catch((e: unknown) => e);
    expect(toJobFailure(auth)).toEqual({ type: 'BmcAuthFailed', message: 'RAKP 2 HMAC is invalid', retryable: false });
    const down = await runJob('bmc.power', { assetId: 'a1', action: 'on' }, ctx).catch((e: unknown) => e);
    expect(toJobFailure(down)).toMatchObject({ type: 'BmcUnreachable', retryable: true });
  });
});
