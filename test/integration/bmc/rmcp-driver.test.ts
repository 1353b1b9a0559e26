import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootDevice, BootOptions } from '../../../agent/bmc/bmc-driver.js';
import type { IpmiEndpoint } from '../../../agent/bmc/ipmitool-command.js';
import { IpmitoolBmcDriver } from '../../../agent/bmc/ipmitool-driver.js';
import { RmcpBmcDriver, type RmcpDriverOptions } from '../../../agent/bmc/rmcp/rmcp-bmc-driver.js';
import { type IpmiSim, startIpmiSim } from '../../../lab/bmc/ipmi-sim.js';
import { freeUdpPort } from '../../../lab/bmc/udp-probe.js';
import { type BmcRelay, startBmcRelay } from '../../../lab/machine/bmc-relay.js';

/**
 * The native RMCP+ driver side by side with the ipmitool driver, against one real `ipmi_sim`:
 * every BmcDriver method answers what ipmitool's answers, each driver sees what the other did,
 * and the failures have the same types. Retry timings are shortened; the rest is production code.
 */

const RETRY = { totalMs: 3_000, initialDelayMs: 500, maxDelayMs: 1_000, multiplier: 2 };
const POLL = { timeoutMs: 5_000, intervalMs: 200 };

let dir: string;
let sim: IpmiSim;
let lossy: BmcRelay;
let native: RmcpBmcDriver;
let tool: IpmitoolBmcDriver;

const endpoint = (overrides: Partial<IpmiEndpoint> = {}): IpmiEndpoint => ({
  host: sim.host,
  port: sim.port,
  username: sim.username,
  password: sim.password,
  cipherSuite: sim.cipherSuite,
  ...overrides,
});
const nativeFor = (
  overrides: Partial<IpmiEndpoint> = {},
  options: RmcpDriverOptions = { retry: RETRY, powerPoll: POLL },
) => new RmcpBmcDriver(endpoint(overrides), options);
const toolFor = (overrides: Partial<IpmiEndpoint> = {}, options = {}) =>
  new IpmitoolBmcDriver(endpoint(overrides), {
    requestTimeoutSeconds: 1,
    requestRetries: 1,
    retry: RETRY,
    powerPoll: POLL,
    ...options,
  });

/** Resolves with the error `call` fails with; a call that succeeds fails the test. */
async function failureOf(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackpilot-rmcp-driver-'));
  sim = await startIpmiSim({ username: 'admin', password: 'lab-Pa55word', stateDir: join(dir, 'bmc') });
  lossy = await startBmcRelay({ address: '127.20.9.3', port: 0, targetPort: sim.port, dropRate: () => 0.3 });
  native = nativeFor();
  tool = toolFor();
});

afterAll(async () => {
  await native?.close();
  await tool?.close();
  await lossy?.close();
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('RmcpBmcDriver against ipmi_sim, beside IpmitoolBmcDriver', () => {
  it('reads the same power state, chassis status, boot flags and BMC identity as ipmitool', async () => {
    await tool.powerOff();
    for (const power of ['off', 'on'] as const) {
      if (power === 'on') await tool.powerOn();
      expect(await native.powerState()).toBe(power);
      expect(await native.powerState()).toBe(await tool.powerState());
      expect(await native.chassisStatus()).toEqual(await tool.chassisStatus());
      expect(await native.bootFlags()).toEqual(await tool.bootFlags());
    }
    const info = await native.bmcInfo();
    expect(info).toEqual(await tool.bmcInfo());
    expect(info).toMatchObject({ manufacturerId: 4753, manufacturerName: 'MontaVista Software, Inc.' });
    expect(await native.hardware()).toEqual(await tool.hardware());
    await expect(native.checkCredentials()).resolves.toBeUndefined();
  });

  it('powers the server on and off, and each driver sees what the other did', async () => {
    await native.powerOff();
    expect(sim.state().power).toBe('off');
    expect(await tool.powerState()).toBe('off');

    await native.powerOn();
    expect(sim.state().power).toBe('on');
    expect(await tool.powerState()).toBe('on');
    expect(await native.chassisStatus()).toEqual(await tool.chassisStatus());
    await native.powerOn(); // idempotent
    expect(await tool.powerState()).toBe('on');

    await tool.powerOff();
    expect(await native.powerState()).toBe('off');
    await tool.powerOn();
    expect(await native.powerState()).toBe('on');
    await native.powerOff();
    expect(await tool.powerState()).toBe('off');
  });

  it('power-cycles a server that is on and powers on one that is off, as ipmitool does', async () => {
    await native.powerOff();
    const off = sim.state();
    await native.powerCycle();
    const started = await sim.waitFor((s) => s.power === 'on' && s.boots === off.boots + 1);
    expect(await tool.powerState()).toBe('on');

    await native.powerCycle();
    await sim.waitFor((s) => s.power === 'on' && s.boots === started.boots + 1);
    expect(await tool.powerState()).toBe('on');

    // ipmi_sim acknowledges the ACPI request and leaves the power alone, for both drivers alike.
    await native.powerSoft();
    await tool.powerSoft();
    expect(await native.chassisStatus()).toEqual(await tool.chassisStatus());
    await native.powerOff();
  });

  const bootCases: [BootDevice, BootOptions][] = [
    ['pxe', { once: true, efi: true }],
    ['pxe', { once: false, efi: false }],
    ['disk', { once: false, efi: true }],
    ['disk', { once: true, efi: false }],
  ];

  it.each(bootCases)(
    'sets boot device %s %o as ipmitool does, and reads what ipmitool set',
    async (device, options) => {
      const other: BootDevice = device === 'pxe' ? 'disk' : 'pxe';
      const holds = (target: BootDevice) => (s: ReturnType<IpmiSim['state']>) =>
        s.bootDevice === target && s.bootOnce === options.once && s.efi === options.efi;

      await native.setBootDevice(device, options);
      await sim.waitFor(holds(device));
      const flags = await native.bootFlags();
      expect(flags).toEqual(await tool.bootFlags());
      expect(flags.device).toBe(device);

      await tool.setBootDevice(other, options);
      await sim.waitFor(holds(other));
      expect(await native.bootFlags()).toEqual(await tool.bootFlags());
      expect((await native.bootFlags()).device).toBe(other);
    },
  );

  it('fails fast with BmcAuthFailed on a wrong password or user, as ipmitool does, without the password', async () => {
    const wrong = 'not-the-Pa55word';
    const production = nativeFor({ password: wrong }, {}); // a retried auth failure would take ~60 s
    const started = Date.now();
    const error = await failureOf(production.powerOn());
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error).toMatchObject({ type: 'BmcAuthFailed', retryable: false, details: { attempts: 1 } });
    const theirs = await failureOf(toolFor({ password: wrong }).powerOn());
    expect(theirs).toMatchObject({ type: 'BmcAuthFailed' });
    const everything = JSON.stringify([error.message, error]);
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(sim.password);

    await expect(nativeFor({ username: 'nobody' }).checkCredentials()).rejects.toMatchObject({
      type: 'BmcAuthFailed',
      details: { bmc: `${sim.host}:${sim.port}`, operation: 'checkCredentials' },
    });
  });

  it('fails fast with BmcUnsupported for cipher suite 17, which ipmi_sim lacks, as ipmitool does', async () => {
    const started = Date.now();
    const ours = await failureOf(nativeFor({ cipherSuite: 17 }, {}).powerState());
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(ours).toMatchObject({ type: 'BmcUnsupported', retryable: false, details: { attempts: 1 } });
    const theirs = await failureOf(toolFor({ cipherSuite: 17 }).powerState());
    expect(theirs).toMatchObject({ type: 'BmcUnsupported', retryable: false });
  });

  it('reports BmcUnreachable after bounded retries when nothing listens', async () => {
    const port = await freeUdpPort();
    const dead = new RmcpBmcDriver(
      { host: '127.0.0.1', port, username: 'admin', password: 'x', cipherSuite: 3 },
      {
        retry: { totalMs: 1_500, initialDelayMs: 200, maxDelayMs: 400, multiplier: 2 },
        session: { retry: { initialTimeoutMs: 50, maxTimeoutMs: 200, attempts: 4 } },
      },
    );
    const started = Date.now();
    const error = await failureOf(dead.powerState());
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ type: 'BmcUnreachable', retryable: true, details: { bmc: `127.0.0.1:${port}` } });
    expect((error as { details?: { attempts?: number } }).details?.attempts).toBeGreaterThanOrEqual(2);
  });

  it('answers the same through a management network losing 30 % of packets each way', async () => {
    const direct = await tool.chassisStatus();
    const throughLoss = nativeFor({ host: lossy.address, port: lossy.port }, { powerPoll: POLL });
    for (let i = 0; i < 3; i += 1) expect(await throughLoss.chassisStatus()).toEqual(direct);
    expect(await throughLoss.bmcInfo()).toEqual(await tool.bmcInfo());
  });

  it('fails every call after close, as the ipmitool driver does', async () => {
    const [ours, theirs] = [nativeFor(), toolFor()];
    await Promise.all([ours.close(), theirs.close()]);
    const [a, b] = await Promise.all([failureOf(ours.powerState()), failureOf(theirs.powerState())]);
    expect(a).toMatchObject({ type: 'BmcCommandFailed', retryable: false, message: 'BMC driver closed' });
    expect(a).toEqual(b);
  });
});
