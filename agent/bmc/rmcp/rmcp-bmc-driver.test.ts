import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KeyedMutex } from '../bmc-queue.js';
import { parseBootFlags } from '../ipmitool-boot-flags.js';
import { classifyIpmitoolFailure } from '../ipmitool-failures.js';
import { parseChassisStatus, parseMcInfo } from '../ipmitool-parsers.js';
import { RmcpCommandError } from './rmcp-commands.js';
import { manufacturerName } from './rmcp-answers.js';
import { type IpmiSession, RmcpBmcDriver, type RmcpDriverOptions } from './rmcp-bmc-driver.js';
import { completionCodeName, toBmcError } from './rmcp-failures.js';
import {
  type IpmiResponse,
  RmcpAuthError,
  RmcpProtocolError,
  type RmcpSessionOptions,
  RmcpUnreachableError,
} from './rmcp-session.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../test/fixtures/ipmitool/${name}`, import.meta.url), 'utf8');

/** Get Device ID data as ipmi_sim answers it (recorded): the bytes behind `ipmi-sim-mc-info.txt`. */
const SIM_DEVICE_ID = '00030908029f911200020f00000000';
const PASSWORD = 'Sup3r-Secret';
const BMC = '10.1.2.3:623';

const bytes = (hex: string): Buffer => Buffer.from(hex.replace(/\s/g, ''), 'hex');

/**
 * A BMC behind the driver's session seam: chassis power, boot options and device id as bytes,
 * every request recorded as `netFn cmd data` hex, completion codes injectable per request.
 */
class ScriptedBmc {
  power = false;
  /** Chassis status reads that still show the old power state after a Chassis Control. */
  lag = 0;
  /** Chassis status byte 1 but the power bit, and the bytes after it. */
  chassisFlags = 0;
  chassisTail = '0000';
  bootFlags = '0000000000';
  deviceId = SIM_DEVICE_ID;
  readonly requests: string[] = [];
  /** Completion codes by request prefix (`00 08 00` = Set System Boot Options parameter 0). */
  readonly refuse = new Map<string, number>();
  /** The same, for the next matching request only. */
  readonly refuseOnce = new Map<string, number>();
  /** Failures of the next session openings, in order. */
  readonly openFailures: unknown[] = [];
  readonly opened: RmcpSessionOptions[] = [];
  closed = 0;
  active = 0;
  maxActive = 0;
  private pending: boolean | undefined;

  readonly open = async (options: RmcpSessionOptions): Promise<IpmiSession> => {
    await Promise.resolve();
    const failure = this.openFailures.shift();
    if (failure) throw failure;
    this.opened.push(options);
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    return {
      request: async (netFn, cmd, data = Buffer.alloc(0)) => this.answer(netFn, cmd, Buffer.from(data)),
      close: async () => {
        this.active -= 1;
        this.closed += 1;
      },
    };
  };

  private answer(netFn: number, cmd: number, data: Buffer): IpmiResponse {
    const request = [netFn, cmd, ...data].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    this.requests.push(request);
    for (const [prefix, completionCode] of this.refuseOnce) {
      if (!request.startsWith(prefix)) continue;
      this.refuseOnce.delete(prefix);
      return { completionCode, data: Buffer.alloc(0) };
    }
    for (const [prefix, completionCode] of this.refuse) {
      if (request.startsWith(prefix)) return { completionCode, data: Buffer.alloc(0) };
    }
    const ok = (hex = ''): IpmiResponse => ({ completionCode: 0, data: bytes(hex) });
    if (netFn === 0x00 && cmd === 0x01) {
      if (this.pending !== undefined && this.lag-- <= 0) [this.power, this.pending] = [this.pending, undefined];
      return ok(`${(this.chassisFlags | (this.power ? 1 : 0)).toString(16).padStart(2, '0')}${this.chassisTail}`);
    }
    if (netFn === 0x00 && cmd === 0x02) {
      if (data[0] === 0x00 || data[0] === 0x01) this.pending = data[0] === 0x01;
      return ok();
    }
    if (netFn === 0x00 && cmd === 0x08) {
      if (data[0] === 0x05) this.bootFlags = data.subarray(1).toString('hex');
      return ok();
    }
    if (netFn === 0x00 && cmd === 0x09) return ok(`0105${this.bootFlags}`);
    if (netFn === 0x06 && cmd === 0x01) return ok(this.deviceId);
    return { completionCode: 0xc1, data: Buffer.alloc(0) };
  }
}

function driverFor(bmc: ScriptedBmc, options: RmcpDriverOptions = {}) {
  const pauses: number[] = [];
  const driver = new RmcpBmcDriver(
    { host: '10.1.2.3', username: 'admin', password: PASSWORD },
    {
      openSession: bmc.open,
      queue: new KeyedMutex(),
      sleep: async (ms) => {
        pauses.push(ms);
      },
      powerPoll: { timeoutMs: 1_000, intervalMs: 1 },
      ...options,
    },
  );
  return { driver, pauses };
}

/** What ipmitool prints for `chassis bootparam get 5` with boot flags `data` (its own format strings). */
function ipmitoolBootFlags(data: string, description: string): string {
  const [flags1 = 0] = bytes(data);
  return [
    'Boot parameter version: 1',
    'Boot parameter 5 is valid/unlocked',
    `Boot parameter data: ${data}`,
    ' Boot Flags :',
    `   - ${flags1 & 0x80 ? 'Boot Flag Valid' : 'Boot Flag Invalid'}`,
    `   - ${flags1 & 0x40 ? 'Options apply to all future boots' : 'Options apply to only next boot'}`,
    `   - ${flags1 & 0x20 ? 'BIOS EFI boot' : 'BIOS PC Compatible (legacy) boot'} `,
    `   - Boot Device Selector : ${description}`,
  ].join('\n');
}

describe('RmcpBmcDriver answers', () => {
  it.each([
    ['000000', 'ipmi-sim-chassis-status-off.txt'],
    ['010000', 'ipmi-sim-chassis-status-on.txt'],
    ['211100f0', 'real-bmc-chassis-status-front-panel.txt'],
  ])('decodes chassis status %s as parseChassisStatus reads %s', async (data, name) => {
    const bmc = new ScriptedBmc();
    const [first = 0] = bytes(data);
    bmc.power = (first & 0x01) !== 0;
    bmc.chassisFlags = first & 0xfe;
    bmc.chassisTail = data.slice(2);
    const { driver } = driverFor(bmc);
    const status = await driver.chassisStatus();
    expect(status).toEqual(parseChassisStatus(fixture(name)));
    if (name.includes('front-panel')) expect(status.powerRestorePolicy).toBe('previous');
  });

  it('decodes every fault bit and power event of chassis status bytes 2 and 3', async () => {
    const bmc = new ScriptedBmc();
    bmc.chassisTail = '1f0f';
    const { driver } = driverFor(bmc);
    expect(await driver.chassisStatus()).toMatchObject({
      lastPowerEvent: ['ac-failed', 'overload', 'interlock', 'fault', 'command'],
      chassisIntrusion: true,
      frontPanelLockout: true,
      driveFault: true,
      coolingFault: true,
    });
    bmc.chassisTail = '0804';
    expect(await driver.chassisStatus()).toMatchObject({
      lastPowerEvent: ['fault'],
      chassisIntrusion: false,
      frontPanelLockout: false,
      driveFault: true,
      coolingFault: false,
    });
  });

  it.each([
    ['0000000000', 'ipmi-sim-bootparam-get-5-none.txt'],
    ['0004000000', 'ipmi-sim-bootparam-get-5-pxe.txt'],
    ['0008000000', 'ipmi-sim-bootparam-get-5-default.txt'],
    ['a004000000', 'real-bmc-bootparam-get-5-pxe-efi-once.txt'],
    ['e008000000', 'real-bmc-bootparam-get-5-disk-efi-persistent.txt'],
    ['8014000000', 'real-bmc-bootparam-get-5-cdrom.txt'],
  ])('decodes boot flags %s as parseBootFlags reads %s', async (data, name) => {
    const bmc = new ScriptedBmc();
    bmc.bootFlags = data;
    expect(await driverFor(bmc).driver.bootFlags()).toEqual(parseBootFlags(fixture(name)));
  });

  it('names all 16 boot device selectors as ipmitool does and rejects the reserved ones as its parser', async () => {
    const bmc = new ScriptedBmc();
    const { driver } = driverFor(bmc);
    for (let selector = 0; selector < 16; selector += 1) {
      bmc.bootFlags = `80${(selector << 2).toString(16).padStart(2, '0')}000000`;
      const ours = await driver.bootFlags().catch((err: unknown) => err as Error);
      if (ours instanceof Error) {
        expect(ours).toMatchObject({ type: 'BmcCommandFailed', retryable: false });
        expect(() => parseBootFlags(ipmitoolBootFlags(bmc.bootFlags, 'Reserved'))).toThrow(/reserved/);
      } else {
        expect(parseBootFlags(ipmitoolBootFlags(bmc.bootFlags, ours.deviceDescription))).toEqual(ours);
      }
    }
  });

  it('decodes ipmi_sim Get Device ID as parseMcInfo reads `mc info`', async () => {
    expect(await driverFor(new ScriptedBmc()).driver.bmcInfo()).toEqual(parseMcInfo(fixture('ipmi-sim-mc-info.txt')));
  });

  it('decodes a Dell iDRAC Get Device ID, named as the current IANA registry spells it', async () => {
    const bmc = new ScriptedBmc();
    bmc.deviceId = '20 80 04 40 02 bf a20200 0001 000e0000';
    expect(await driverFor(bmc).driver.bmcInfo()).toEqual({
      ...parseMcInfo(fixture('real-bmc-mc-info-dell.txt')),
      manufacturerName: 'Dell Inc.', // the fixture's registry said "DELL Inc"
    });
  });

  it('reports a BMC updating its firmware as not available', async () => {
    const bmc = new ScriptedBmc();
    bmc.deviceId = `0003${'89'}${SIM_DEVICE_ID.slice(6)}`;
    expect(await driverFor(bmc).driver.bmcInfo()).toMatchObject({ deviceAvailable: false, firmwareRevision: '9.08' });
  });

  it('rejects a firmware revision that is not BCD, as parseMcInfo does', async () => {
    const bmc = new ScriptedBmc();
    bmc.deviceId = `0003091a${SIM_DEVICE_ID.slice(8)}`;
    await expect(driverFor(bmc).driver.bmcInfo()).rejects.toMatchObject({ type: 'BmcCommandFailed', retryable: false });
  });

  it('names makers as ipmitool does, unknown ones by number', () => {
    expect(manufacturerName(4753)).toBe('MontaVista Software, Inc.');
    expect(manufacturerName(10876)).toBe('Super Micro Computer Inc.');
    expect(manufacturerName(0)).toBe('Unknown');
    expect(manufacturerName(0x0fffff)).toBe('Unspecified');
    expect(manufacturerName(123456)).toBe('Unknown (0x1E240)');
    expect(manufacturerName(7)).toBe('Unknown (0x07)');
  });

  it('reports no hardware inventory', async () => {
    expect(await driverFor(new ScriptedBmc()).driver.hardware()).toBeUndefined();
  });
});

describe('RmcpBmcDriver commands', () => {
  it('opens each session with the endpoint, cipher suite 17 and administrator by default, and closes it', async () => {
    const bmc = new ScriptedBmc();
    expect(await driverFor(bmc).driver.powerState()).toBe('off');
    expect(bmc.opened).toEqual([
      expect.objectContaining({ host: '10.1.2.3', port: 623, username: 'admin', cipherSuite: 17, privilege: 4 }),
    ]);
    expect(bmc.closed).toBe(1);
  });

  it('passes the retransmission policy through and takes port, suite and privilege of the endpoint', async () => {
    const bmc = new ScriptedBmc();
    const driver = new RmcpBmcDriver(
      { host: '127.0.0.1', port: 9623, username: 'u', password: 'p', cipherSuite: 3, privilege: 'OPERATOR' },
      { openSession: bmc.open, session: { retry: { attempts: 3 }, maxHandshakes: 2 } },
    );
    await driver.checkCredentials();
    expect(bmc.opened[0]).toMatchObject({
      port: 9623,
      cipherSuite: 3,
      privilege: 3,
      retry: { attempts: 3 },
      maxHandshakes: 2,
    });
    expect(driver.bmc).toBe('127.0.0.1:9623');
  });

  it('powers on and polls in new sessions until the chassis reports on', async () => {
    const bmc = new ScriptedBmc();
    bmc.lag = 2;
    await driverFor(bmc).driver.powerOn();
    expect(bmc.requests).toEqual(['00 02 01', '00 01', '00 01', '00 01']);
    expect(bmc.opened).toHaveLength(4);
    expect(bmc.closed).toBe(4);
  });

  it('fails, retryable, when the chassis never reaches the state it acknowledged', async () => {
    const bmc = new ScriptedBmc();
    bmc.power = true;
    bmc.lag = Infinity;
    await expect(
      driverFor(bmc, { powerPoll: { timeoutMs: 20, intervalMs: 5 } }).driver.powerOff(),
    ).rejects.toMatchObject({ type: 'BmcCommandFailed', retryable: true });
  });

  it('powers on instead of cycling a server that is off, and cycles one that is on', async () => {
    const bmc = new ScriptedBmc();
    const { driver } = driverFor(bmc, { powerPoll: false });
    await driver.powerCycle();
    expect(bmc.requests).toEqual(['00 01', '00 02 01']);
    bmc.requests.length = 0;
    bmc.power = true;
    await driver.powerCycle();
    expect(bmc.requests).toEqual(['00 01', '00 02 02']);
  });

  it('asks for a soft shutdown without waiting for power off', async () => {
    const bmc = new ScriptedBmc();
    bmc.power = true;
    await driverFor(bmc).driver.powerSoft();
    expect(bmc.requests).toEqual(['00 02 05']);
  });

  it.each([
    ['pxe', { once: true, efi: true }, '00 08 05 a0 04 00 00 00'],
    ['pxe', { once: false, efi: true }, '00 08 05 e0 04 00 00 00'],
    ['disk', { once: false, efi: false }, '00 08 05 c0 08 00 00 00'],
    ['disk', { once: true, efi: false }, '00 08 05 80 08 00 00 00'],
  ] as const)('sets boot device %s %o as ipmitool chassis bootdev does', async (device, options, flags) => {
    const bmc = new ScriptedBmc();
    await driverFor(bmc).driver.setBootDevice(device, options);
    // Set in progress, clear the BIOS acknowledge, the flags, commit, complete (ipmi_chassis_set_bootdev).
    expect(bmc.requests).toEqual(['00 08 00 01', '00 08 04 01 01', flags, '00 08 00 02', '00 08 00 00']);
    expect(bmc.opened).toHaveLength(1);
  });

  it('leaves out set-in-progress, as ipmitool does, on a BMC that refuses it (ipmi_sim)', async () => {
    const bmc = new ScriptedBmc();
    bmc.refuse.set('00 08 00', 0xcc);
    bmc.refuse.set('00 08 04', 0xcc);
    await driverFor(bmc).driver.setBootDevice('pxe', { once: true, efi: false });
    expect(bmc.requests).toEqual(['00 08 00 01', '00 08 04 01 01', '00 08 05 80 04 00 00 00']);
  });

  it('reports refused boot flags as unsupported, after marking the parameters complete again', async () => {
    const bmc = new ScriptedBmc();
    bmc.refuse.set('00 08 05', 0xcc);
    await expect(driverFor(bmc).driver.setBootDevice('pxe', { once: true, efi: true })).rejects.toMatchObject({
      type: 'BmcUnsupported',
      details: {
        bmc: BMC,
        operation: 'setBootDevice',
        output: expect.stringMatching(/Invalid data field in request$/),
      },
    });
    expect(bmc.requests.at(-1)).toBe('00 08 00 00');
  });

  it('serialises sessions per BMC on the shared queue', async () => {
    const bmc = new ScriptedBmc();
    const queue = new KeyedMutex();
    const a = driverFor(bmc, { queue }).driver;
    const b = driverFor(bmc, { queue }).driver;
    await Promise.all([a.powerState(), b.chassisStatus(), a.bmcInfo(), b.bootFlags()]);
    expect(bmc.maxActive).toBe(1);
  });

  it('refuses commands after close, opening no session', async () => {
    const bmc = new ScriptedBmc();
    const { driver } = driverFor(bmc);
    await driver.close();
    await expect(driver.powerState()).rejects.toThrow('BMC driver closed');
    expect(bmc.opened).toHaveLength(0);
  });

  it('aborts a session in progress on close', async () => {
    let signal: AbortSignal | undefined;
    const driver = new RmcpBmcDriver(
      { host: '10.1.2.3', username: 'admin', password: PASSWORD },
      {
        queue: new KeyedMutex(),
        openSession: (options) => {
          signal = options.signal;
          return new Promise((_resolve, reject) =>
            options.signal?.addEventListener('abort', () => reject(options.signal?.reason)),
          );
        },
      },
    );
    const pending = driver.powerState();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await driver.close();
    await expect(pending).rejects.toThrow('BMC driver closed');
    expect(signal?.aborted).toBe(true);
  });
});

describe('RmcpBmcDriver failures', () => {
  it('fails at once, without retry, on wrong credentials', async () => {
    const bmc = new ScriptedBmc();
    bmc.openFailures.push(new RmcpAuthError('BMC 10.1.2.3:623 rejected the credentials of user "admin"'));
    const { driver, pauses } = driverFor(bmc);
    await expect(driver.checkCredentials()).rejects.toMatchObject({
      type: 'BmcAuthFailed',
      retryable: false,
      details: { bmc: BMC, operation: 'checkCredentials', attempts: 1 },
    });
    expect(pauses).toEqual([]);
  });

  it('refuses a cipher suite it does not implement without opening a session', async () => {
    const bmc = new ScriptedBmc();
    const driver = new RmcpBmcDriver(
      { host: '10.1.2.3', username: 'admin', password: PASSWORD, cipherSuite: 1 },
      { openSession: bmc.open },
    );
    await expect(driver.powerState()).rejects.toMatchObject({
      type: 'BmcUnsupported',
      retryable: false,
      message: expect.stringContaining('Cipher suite 1'),
      details: { bmc: BMC, operation: 'powerState', attempts: 1 },
    });
    expect(bmc.opened).toHaveLength(0);
  });

  it('retries an unreachable BMC with the cadence of the ipmitool driver, then succeeds', async () => {
    const bmc = new ScriptedBmc();
    bmc.openFailures.push(
      new RmcpUnreachableError('BMC did not answer'),
      new RmcpUnreachableError('BMC did not answer'),
    );
    const { driver, pauses } = driverFor(bmc);
    expect(await driver.powerState()).toBe('off');
    expect(pauses).toEqual([1_000, 1_500]);
  });

  it('retries a busy BMC and a full session table, logging each retry without the password', async () => {
    const bmc = new ScriptedBmc();
    bmc.openFailures.push(
      undefined,
      new RmcpProtocolError('BMC 10.1.2.3:623: no session after 6 handshakes (last: Open Session status 0x01)', 0x01),
    );
    bmc.refuseOnce.set('06 01', 0xc0);
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args), debug: () => undefined };
    const { driver, pauses } = driverFor(bmc, { logger: logger as unknown as RmcpDriverOptions['logger'] });
    expect((await driver.bmcInfo()).manufacturerId).toBe(4753);
    expect(pauses).toEqual([5_000, 7_500]);
    expect(JSON.stringify(warnings)).toMatch(/BmcCommandFailed.*BmcSessionLimit/);
    expect(JSON.stringify(warnings)).not.toContain(PASSWORD);
  });

  it('does not retry an answer it cannot decode', async () => {
    const bmc = new ScriptedBmc();
    bmc.bootFlags = '80a8000000'; // selector 0xa: reserved
    const { driver, pauses } = driverFor(bmc);
    await expect(driver.bootFlags()).rejects.toMatchObject({
      type: 'BmcCommandFailed',
      retryable: false,
      details: { bmc: BMC, operation: 'bootFlags', attempts: 1 },
    });
    expect(pauses).toEqual([]);
  });
});

describe('toBmcError', () => {
  const details = { bmc: BMC, operation: 'powerOn' };

  it.each([
    [new RmcpAuthError('BMC 10.1.2.3:623 rejected the credentials of user "admin"'), 'BmcAuthFailed', false],
    [new RmcpAuthError('BMC 10.1.2.3:623 does not know user "nobody"'), 'BmcAuthFailed', false],
    [new RmcpUnreachableError('BMC 10.1.2.3:623 did not answer'), 'BmcUnreachable', true],
    [
      new RmcpProtocolError('BMC 10.1.2.3:623 refused cipher suite 17 at privilege 4 (status 0x04)', 0x04),
      'BmcUnsupported',
      false,
    ],
    [
      new RmcpProtocolError('BMC 10.1.2.3:623 refused cipher suite 17 at privilege 4 (status 0x11)', 0x11),
      'BmcUnsupported',
      false,
    ],
    [
      new RmcpProtocolError('BMC 10.1.2.3:623 refused cipher suite 3 at privilege 4 (status 0x0a)', 0x0a),
      'BmcAuthFailed',
      false,
    ],
    [
      new RmcpProtocolError('BMC 10.1.2.3:623 answered with other algorithms than cipher suite 17'),
      'BmcUnsupported',
      false,
    ],
    [new RmcpProtocolError('BMC 10.1.2.3:623 does not support IPMI v2.0 (RMCP+)'), 'BmcUnsupported', false],
    [
      new RmcpProtocolError('BMC 10.1.2.3:623: no session after 6 handshakes (last: Open Session status 0x01)', 0x01),
      'BmcSessionLimit',
      true,
    ],
    [
      new RmcpProtocolError('BMC 10.1.2.3:623: no session after 6 handshakes (last: RAKP 2 status 0x01)', 0x01),
      'BmcSessionLimit',
      true,
    ],
    [
      new RmcpProtocolError('BMC 10.1.2.3:623: no session after 6 handshakes (last: no RAKP 4)'),
      'BmcUnreachable',
      true,
    ],
    [
      new RmcpProtocolError('BMC 10.1.2.3:623: no session after 6 handshakes (last: RAKP 4 status 0x0f)', 0x0f),
      'BmcUnreachable',
      true,
    ],
    [
      new RmcpProtocolError('BMC 10.1.2.3:623: Get Channel Authentication Capabilities failed (completion code 0xc1)'),
      'BmcUnreachable',
      true,
    ],
    [new RmcpProtocolError('session with BMC 10.1.2.3:623 is not open'), 'BmcCommandFailed', false],
    [new Error('bind EADDRINUSE'), 'BmcCommandFailed', false],
  ])('maps %s to %s (retryable: %s)', (error, type, retryable) => {
    const mapped = toBmcError(error, details);
    expect(mapped).toMatchObject({ type, retryable, details: { ...details, output: error.message } });
    expect(mapped.cause).toBe(error);
  });

  it('gives a BMC error the details it lacks and keeps its own', () => {
    const decoded = toBmcError(toBmcError(new Error('x'), { operation: 'inner' }), details);
    expect(decoded.details).toMatchObject({ bmc: BMC, operation: 'inner' });
  });

  /** The ipmitool line a refused command prints, the input of ipmitool-failures.ts. */
  const ipmitoolLine = (command: string, code: number): string =>
    command.includes('System Boot Options')
      ? `Set Chassis Boot Parameter 5 failed: ${completionCodeName(command, code)}`
      : `Set Chassis Power Control to Up/On failed: ${completionCodeName(command, code)}`;

  it.each(['Chassis Control on', 'Set System Boot Options (boot device pxe)'])(
    'classifies every completion code of %s as ipmitool-failures.ts classifies what ipmitool prints for it',
    (command) => {
      for (let code = 0x01; code <= 0xff; code += 1) {
        const ours = toBmcError(new RmcpCommandError(command, code), details);
        const theirs = classifyIpmitoolFailure(
          { stderr: ipmitoolLine(command, code), exitCode: 1, timedOut: false },
          details,
        );
        expect({ code, type: ours.type, retryable: ours.retryable }).toEqual({
          code,
          type: theirs.type,
          retryable: theirs.retryable,
        });
        expect(ours.message).toBe(theirs.message);
      }
    },
  );

  it.each([
    ['c0', 'BmcCommandFailed', true],
    ['c3', 'BmcCommandFailed', true],
    ['c1', 'BmcUnsupported', false],
    ['c9', 'BmcUnsupported', false],
    ['c7', 'BmcCommandFailed', false],
    ['d5', 'BmcUnsupported', false],
    ['d4', 'BmcAuthFailed', false],
    ['ff', 'BmcCommandFailed', false],
  ])('maps completion code 0x%s of a command to %s (retryable: %s)', (code, type, retryable) => {
    const error = new RmcpCommandError('Chassis Control on', Number.parseInt(code, 16));
    expect(toBmcError(error, details)).toMatchObject({ type, retryable });
  });
});
