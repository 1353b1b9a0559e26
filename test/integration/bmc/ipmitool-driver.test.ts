import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpmitoolBmcDriver, type IpmitoolDriverOptions } from '../../../agent/bmc/ipmitool-driver.js';
import { type IpmiSim, startIpmiSim } from '../../../lab/bmc/ipmi-sim.js';
import { freeUdpPort } from '../../../lab/bmc/udp-probe.js';

/**
 * The ipmitool driver against real `ipmi_sim` BMCs on loopback, spoken to with the real `ipmitool`.
 * Retry timings are shortened; everything else is the production code path.
 */

const FAST: IpmitoolDriverOptions = {
  requestTimeoutSeconds: 1,
  requestRetries: 1,
  retry: { totalMs: 3_000, initialDelayMs: 500, maxDelayMs: 1_000, multiplier: 2 },
  powerPoll: { timeoutMs: 5_000, intervalMs: 200 },
};

let dir: string;
let sim: IpmiSim;
const driverFor = (target: IpmiSim, options: IpmitoolDriverOptions = {}) =>
  new IpmitoolBmcDriver(
    {
      host: target.host,
      port: target.port,
      username: target.username,
      password: target.password,
      cipherSuite: target.cipherSuite,
    },
    { ...FAST, ...options },
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackpilot-bmc-'));
  sim = await startIpmiSim({ username: 'admin', password: 'lab-Pa55word', stateDir: join(dir, 'server-1') });
});

afterAll(async () => {
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('IpmitoolBmcDriver against ipmi_sim', () => {
  it('powers a server on and off, and reads the state back', async () => {
    const bmc = driverFor(sim);
    await bmc.powerOff();
    expect(await bmc.powerState()).toBe('off');
    expect(sim.state().power).toBe('off');

    await bmc.powerOn();
    expect(await bmc.powerState()).toBe('on');
    expect(sim.state().power).toBe('on');
    expect((await bmc.chassisStatus()).power).toBe('on');

    await bmc.powerOn(); // idempotent
    expect(await bmc.powerState()).toBe('on');
    await bmc.powerOff();
    expect(sim.state().power).toBe('off');
  });

  it('sets PXE for the next boot only, with EFI; the server boots from it once', async () => {
    const bmc = driverFor(sim);
    await bmc.powerOff();
    await bmc.setBootDevice('pxe', { once: true, efi: true });

    // What the BMC received, as the simulated chassis saw it...
    const before = await sim.waitFor((s) => s.bootDevice === 'pxe' && s.efi && s.bootOnce);
    // ...and what the BMC reports through IPMI (ipmi_sim keeps the device, not the valid/EFI bits).
    expect(await bmc.bootFlags()).toMatchObject({ device: 'pxe', deviceDescription: 'Force PXE' });

    await bmc.powerOn();
    const after = await sim.waitFor((s) => s.boots === before.boots + 1);
    expect(after).toMatchObject({ lastBootDevice: 'pxe', lastBootEfi: true, bootDevice: 'none' });
    expect((await bmc.bootFlags()).device).toBe('none');

    await bmc.powerCycle();
    const next = await sim.waitFor((s) => s.boots === after.boots + 1, 5_000);
    expect(next.lastBootDevice).toBe('disk');
  });

  it('sets disk persistently', async () => {
    const bmc = driverFor(sim);
    await bmc.setBootDevice('disk', { once: false, efi: true });
    expect(await sim.waitFor((s) => s.bootDevice === 'disk' && !s.bootOnce && s.efi)).toBeTruthy();
    expect((await bmc.bootFlags()).device).toBe('disk');
  });

  it('reads the BMC identity and accepts good credentials', async () => {
    const bmc = driverFor(sim);
    await bmc.checkCredentials();
    expect(await bmc.bmcInfo()).toMatchObject({ manufacturerId: 4753, ipmiVersion: '2.0', deviceAvailable: true });
  });

  it('fails fast with BmcAuthFailed on a wrong password, without retrying for a minute', async () => {
    const bmc = new IpmitoolBmcDriver(
      { host: sim.host, port: sim.port, username: sim.username, password: 'wrong-password', cipherSuite: 3 },
      {}, // production retry policy: a retried auth failure would take ~60 s
    );
    const started = Date.now();
    await expect(bmc.powerOn()).rejects.toMatchObject({
      type: 'BmcAuthFailed',
      retryable: false,
      details: { attempts: 1 },
    });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('fails fast with BmcUnsupported when the BMC lacks the default cipher suite 17', async () => {
    const bmc = new IpmitoolBmcDriver({
      host: sim.host,
      port: sim.port,
      username: sim.username,
      password: sim.password,
    });
    await expect(bmc.powerState()).rejects.toMatchObject({ type: 'BmcUnsupported', retryable: false });
  });

  it('reports BmcUnreachable for a closed port after bounded retries', async () => {
    const port = await freeUdpPort();
    const bmc = new IpmitoolBmcDriver(
      { host: '127.0.0.1', port, username: 'admin', password: 'x', cipherSuite: 3 },
      FAST,
    );
    const started = Date.now();
    const error = await bmc.powerState().catch((err: unknown) => err);
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ type: 'BmcUnreachable', retryable: true, details: { bmc: `127.0.0.1:${port}` } });
    expect((error as { details: { attempts: number } }).details.attempts).toBeGreaterThanOrEqual(2);
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(elapsed).toBeLessThan(15_000);
  });
});
