import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CommandResult, RunCommandOptions } from '../exec/run-command.js';
import { KeyedMutex } from './bmc-queue.js';
import { IpmitoolBmcDriver, type IpmitoolDriverOptions } from './ipmitool-driver.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/ipmitool/${name}`, import.meta.url), 'utf8');
const chatter = fixture('ipmi-sim-verbose-success.stderr.txt');

type Reply = Partial<CommandResult>;
interface Call {
  args: readonly string[];
  options: RunCommandOptions;
}

/** A driver whose ipmitool runs are answered from a script of replies (recorded outputs). */
function scriptedDriver(replies: Reply[], options: IpmitoolDriverOptions = {}) {
  const calls: Call[] = [];
  const pauses: number[] = [];
  const run = async (_file: string, args: readonly string[], runOptions: RunCommandOptions): Promise<CommandResult> => {
    calls.push({ args, options: runOptions });
    const reply = replies.shift();
    if (!reply) throw new Error(`unexpected ipmitool run: ${args.join(' ')}`);
    return {
      exitCode: 0,
      signal: null,
      stdout: '',
      stderr: chatter,
      durationMs: 5,
      timedOut: false,
      truncated: false,
      ...reply,
    };
  };
  const driver = new IpmitoolBmcDriver(
    { host: '10.1.2.3', username: 'admin', password: 'Sup3r-Secret' },
    {
      run,
      queue: new KeyedMutex(),
      sleep: async (ms) => {
        pauses.push(ms);
      },
      powerPoll: { timeoutMs: 50, intervalMs: 1 },
      ...options,
    },
  );
  const commands = () => calls.map((call) => call.args.slice(call.args.indexOf('-v') + 1).join(' '));
  return { driver, calls, pauses, commands };
}

describe('IpmitoolBmcDriver', () => {
  it('runs lanplus with cipher suite 17 by default and the password only in IPMI_PASSWORD', async () => {
    const { driver, calls } = scriptedDriver([{ stdout: fixture('ipmi-sim-power-status-on.txt') }]);
    expect(await driver.powerState()).toBe('on');
    const [call] = calls;
    expect(call?.args).toEqual(
      ['-I', 'lanplus', '-H', '10.1.2.3', '-p', '623', '-U', 'admin', '-E', '-C', '17', '-L', 'ADMINISTRATOR'].concat([
        '-N',
        '2',
        '-R',
        '1',
        '-v',
        'power',
        'status',
      ]),
    );
    expect(call?.args.join(' ')).not.toContain('Sup3r-Secret');
    expect(call?.options.secretEnv).toEqual({ IPMI_PASSWORD: 'Sup3r-Secret' });
  });

  it('uses the cipher suite and port of the endpoint', async () => {
    const calls: (readonly string[])[] = [];
    const driver = new IpmitoolBmcDriver(
      { host: '127.0.0.1', port: 9623, username: 'u', password: 'p', cipherSuite: 3 },
      {
        queue: new KeyedMutex(),
        run: async (_f, args) => {
          calls.push(args);
          return {
            exitCode: 0,
            signal: null,
            stdout: 'Chassis Power is off\n',
            stderr: '',
            durationMs: 1,
            timedOut: false,
            truncated: false,
          };
        },
      },
    );
    await driver.powerState();
    expect(calls[0]).toEqual(expect.arrayContaining(['-p', '9623', '-C', '3']));
    expect(driver.bmc).toBe('127.0.0.1:9623');
  });

  it('powers on and polls until the chassis reports on', async () => {
    const { driver, commands } = scriptedDriver([
      { stdout: fixture('ipmi-sim-power-on.txt') },
      { stdout: fixture('ipmi-sim-power-status-off.txt') },
      { stdout: fixture('ipmi-sim-power-status-on.txt') },
    ]);
    await driver.powerOn();
    expect(commands()).toEqual(['power on', 'power status', 'power status']);
  });

  it('fails, retryable, when the chassis never reaches the state it acknowledged', async () => {
    const off = { stdout: fixture('ipmi-sim-power-status-on.txt') };
    const { driver } = scriptedDriver([{ stdout: fixture('ipmi-sim-power-off.txt') }, ...Array(200).fill(off)]);
    await expect(driver.powerOff()).rejects.toMatchObject({ type: 'BmcCommandFailed', retryable: true });
  });

  it('powers on instead of cycling a server that is off', async () => {
    const { driver, commands } = scriptedDriver(
      [{ stdout: fixture('ipmi-sim-power-status-off.txt') }, { stdout: fixture('ipmi-sim-power-on.txt') }],
      { powerPoll: false },
    );
    await driver.powerCycle();
    expect(commands()).toEqual(['power status', 'power on']);
  });

  it.each([
    ['pxe', { once: true, efi: true }, 'chassis bootdev pxe options=efiboot'],
    ['pxe', { once: false, efi: true }, 'chassis bootdev pxe options=persistent,efiboot'],
    ['disk', { once: false, efi: false }, 'chassis bootdev disk options=persistent'],
    ['disk', { once: true, efi: false }, 'chassis bootdev disk'],
  ] as const)('sets boot device %s %o with "%s"', async (device, options, expected) => {
    const { driver, commands } = scriptedDriver([{ stdout: `Set Boot Device to ${device}\n` }]);
    await driver.setBootDevice(device, options);
    expect(commands()).toEqual([expected]);
  });

  it('reports a refused boot device as unsupported although ipmitool exits 0', async () => {
    const { driver } = scriptedDriver([
      { exitCode: 0, stdout: '', stderr: fixture('ipmi-sim-no-chassis-control-bootdev.stderr.txt') },
    ]);
    await expect(driver.setBootDevice('pxe', { once: true, efi: true })).rejects.toMatchObject({
      type: 'BmcUnsupported',
    });
  });

  it('fails at once, without retry, on wrong credentials', async () => {
    const { driver, calls, pauses } = scriptedDriver([
      { exitCode: 1, stdout: '', stderr: fixture('ipmi-sim-wrong-password.stderr.txt') },
    ]);
    await expect(driver.checkCredentials()).rejects.toMatchObject({
      type: 'BmcAuthFailed',
      retryable: false,
      details: { bmc: '10.1.2.3:623', operation: 'checkCredentials', attempts: 1 },
    });
    expect(calls).toHaveLength(1);
    expect(pauses).toEqual([]);
  });

  it('retries an unreachable BMC with backoff, then succeeds', async () => {
    const dead = { exitCode: 1, stdout: '', stderr: fixture('unreachable-closed-port.stderr.txt') };
    const { driver, pauses } = scriptedDriver([dead, dead, { stdout: fixture('ipmi-sim-power-status-off.txt') }]);
    expect(await driver.powerState()).toBe('off');
    expect(pauses).toEqual([1_000, 1_500]);
  });

  it('retries a busy BMC and a full session table', async () => {
    const { driver } = scriptedDriver([
      { exitCode: 1, stderr: fixture('real-bmc-node-busy.stderr.txt') },
      { exitCode: 1, stderr: fixture('real-bmc-session-limit.stderr.txt') },
      { stdout: fixture('ipmi-sim-mc-info.txt') },
    ]);
    expect((await driver.bmcInfo()).manufacturerId).toBe(4753);
  });

  it('does not retry output it cannot parse', async () => {
    const { driver, calls } = scriptedDriver([{ stdout: 'Chassis Power is sideways\n' }]);
    await expect(driver.powerState()).rejects.toMatchObject({ type: 'BmcCommandFailed', retryable: false });
    expect(calls).toHaveLength(1);
  });

  it('reads chassis status and boot flags', async () => {
    const { driver } = scriptedDriver([
      { stdout: fixture('ipmi-sim-chassis-status-off.txt') },
      { stdout: fixture('real-bmc-bootparam-get-5-pxe-efi-once.txt') },
    ]);
    expect((await driver.chassisStatus()).power).toBe('off');
    expect(await driver.bootFlags()).toMatchObject({ device: 'pxe', efi: true, persistent: false, valid: true });
  });

  it('refuses commands after close', async () => {
    const { driver, calls } = scriptedDriver([]);
    await driver.close();
    await expect(driver.powerState()).rejects.toThrow('BMC driver closed');
    expect(calls).toHaveLength(0);
  });
});
