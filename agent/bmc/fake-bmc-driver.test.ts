import { describe, expect, it } from 'vitest';
import { BmcSessionLimitError } from './bmc-errors.js';
import { FakeBmcDriver } from './fake-bmc-driver.js';

describe('FakeBmcDriver', () => {
  it('boots from a next-boot-only PXE override once, then from disk', async () => {
    const bmc = new FakeBmcDriver();
    await bmc.setBootDevice('pxe', { once: true, efi: true });
    expect(await bmc.bootFlags()).toMatchObject({ valid: true, device: 'pxe', persistent: false, efi: true });
    await bmc.powerOn();
    await bmc.powerOn(); // already on: no second boot
    await bmc.powerCycle();
    expect(bmc.boots).toEqual(['pxe', 'disk']);
    expect((await bmc.bootFlags()).device).toBe('none');
    expect(await bmc.powerState()).toBe('on');
  });

  it('keeps a persistent override across boots', async () => {
    const bmc = new FakeBmcDriver({ power: 'on' });
    await bmc.setBootDevice('disk', { once: false, efi: true });
    await bmc.powerCycle();
    await bmc.powerOff();
    await bmc.powerOn();
    expect(bmc.boots).toEqual(['disk', 'disk']);
    expect((await bmc.bootFlags()).persistent).toBe(true);
  });

  it('fails the next calls as told, records every call, and refuses calls after close', async () => {
    const bmc = new FakeBmcDriver().failNext('powerOff', new BmcSessionLimitError('full'));
    await expect(bmc.powerOff()).rejects.toMatchObject({ type: 'BmcSessionLimit' });
    await bmc.powerOff();
    await bmc.close();
    await expect(bmc.powerState()).rejects.toThrow('closed');
    expect(bmc.operations).toEqual(['powerOff', 'powerOff', 'close', 'powerState']);
  });
});
