import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IpmiSim, startIpmiSim } from '../../../lab/bmc/ipmi-sim.js';
import { handlerHarness } from './handler-harness.js';

/** BMC jobs through the production job context: real `ipmitool` against a real `ipmi_sim` on loopback. */

let dir: string;
let sim: IpmiSim;
const harness = handlerHarness();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackpilot-agent-bmc-'));
  sim = await startIpmiSim({ username: 'admin', password: 'lab-Pa55word', stateDir: join(dir, 'bmc') });
  const creds = {
    driver: 'ipmi' as const,
    address: sim.host,
    port: sim.port,
    username: 'admin',
    cipherSuite: sim.cipherSuite,
  };
  harness.bmc.set('asset-1', { ...creds, password: sim.password });
  harness.bmc.set('asset-wrong', { ...creds, password: 'not-the-password' });
});
afterAll(async () => {
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('BMC job handlers against ipmi_sim', () => {
  it('bmc.power off then on waits for the state and the simulated chassis follows', async () => {
    expect(await harness.run('bmc.power', { assetId: 'asset-1', action: 'off' })).toMatchObject({
      result: { powerState: 'off' },
    });
    expect(sim.state().power).toBe('off');
    expect(await harness.run('bmc.power', { assetId: 'asset-1', action: 'on' })).toMatchObject({
      result: { powerState: 'on' },
    });
    expect(sim.state().power).toBe('on');
  });

  it('bmc.status checks the credentials and reads the power state', async () => {
    expect(await harness.run('bmc.status', { assetId: 'asset-1' })).toEqual({ result: { powerState: 'on', protocol: 'ipmi' }, logs: [] });
  });

  it('bmc.bootdev sets PXE for the next boot with EFI, and the next power cycle boots from it', async () => {
    const outcome = await harness.run('bmc.bootdev', { assetId: 'asset-1', device: 'pxe', once: true, efi: true });
    expect(outcome.result).toEqual({ device: 'pxe' });
    expect(sim.state()).toMatchObject({ bootDevice: 'pxe', bootOnce: true, efi: true });
    await harness.run('bmc.power', { assetId: 'asset-1', action: 'cycle' });
    const booted = await sim.waitFor((s) => s.lastBootDevice === 'pxe');
    expect(booted.lastBootEfi).toBe(true);
  });

  it('fails with BmcAuthFailed, not retryable, when the BMC refuses the password', async () => {
    const outcome = await harness.run('bmc.status', { assetId: 'asset-wrong' });
    expect(outcome.failure).toMatchObject({ type: 'BmcAuthFailed', retryable: false });
    expect(outcome.failure?.message).not.toContain('not-the-password');
  });
});
