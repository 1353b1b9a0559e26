import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BmcCommandFailedError } from './bmc-errors.js';
import { parseBootFlags } from './ipmitool-boot-flags.js';
import {
  parseBootdevAck,
  parseChassisStatus,
  parseMcInfo,
  parsePowerControl,
  parsePowerStatus,
} from './ipmitool-parsers.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/ipmitool/${name}`, import.meta.url), 'utf8');

/** Asserts the parser refuses `output` with a non-retryable BmcCommandFailed. */
function expectRefused(parse: () => unknown): void {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(BmcCommandFailedError);
    expect((err as BmcCommandFailedError).retryable).toBe(false);
    return;
  }
  throw new Error('parser accepted unexpected output');
}

describe('parsePowerStatus', () => {
  it('reads on and off from ipmi_sim', () => {
    expect(parsePowerStatus(fixture('ipmi-sim-power-status-on.txt'))).toBe('on');
    expect(parsePowerStatus(fixture('ipmi-sim-power-status-off.txt'))).toBe('off');
  });

  it('refuses empty, unknown or extra output', () => {
    expectRefused(() => parsePowerStatus(''));
    expectRefused(() => parsePowerStatus('Chassis Power is unknown\n'));
    expectRefused(() => parsePowerStatus('Chassis Power is on\nChassis Power is off\n'));
    expectRefused(() => parsePowerStatus(fixture('ipmi-sim-chassis-status-on.txt')));
  });
});

describe('parsePowerControl', () => {
  it('accepts the acknowledgement of each action', () => {
    expect(() => parsePowerControl(fixture('ipmi-sim-power-on.txt'), 'on')).not.toThrow();
    expect(() => parsePowerControl(fixture('ipmi-sim-power-off.txt'), 'off')).not.toThrow();
    expect(() => parsePowerControl(fixture('ipmi-sim-power-cycle.txt'), 'cycle')).not.toThrow();
    expect(() => parsePowerControl(fixture('ipmi-sim-power-soft.txt'), 'soft')).not.toThrow();
  });

  it('refuses the acknowledgement of another action, or none', () => {
    expectRefused(() => parsePowerControl(fixture('ipmi-sim-power-off.txt'), 'on'));
    expectRefused(() => parsePowerControl('', 'off'));
  });
});

describe('parseBootdevAck', () => {
  it('accepts "Set Boot Device to <device>" for the device asked for', () => {
    expect(() => parseBootdevAck(fixture('ipmi-sim-bootdev-pxe.txt'), 'pxe')).not.toThrow();
    expect(() => parseBootdevAck(fixture('ipmi-sim-bootdev-disk.txt'), 'disk')).not.toThrow();
  });

  it('refuses an empty stdout (ipmitool exits 0 even when parameter 5 was refused)', () => {
    expectRefused(() => parseBootdevAck('', 'pxe'));
    expectRefused(() => parseBootdevAck(fixture('ipmi-sim-bootdev-disk.txt'), 'pxe'));
  });
});

describe('parseChassisStatus', () => {
  it('reads ipmi_sim chassis status', () => {
    expect(parseChassisStatus(fixture('ipmi-sim-chassis-status-on.txt'))).toEqual({
      power: 'on',
      powerOverload: false,
      powerInterlock: false,
      mainPowerFault: false,
      powerControlFault: false,
      powerRestorePolicy: 'always-off',
      lastPowerEvent: [],
      chassisIntrusion: false,
      frontPanelLockout: false,
      driveFault: false,
      coolingFault: false,
    });
    expect(parseChassisStatus(fixture('ipmi-sim-chassis-status-off.txt')).power).toBe('off');
  });

  it('reads a real BMC answer with power events and front-panel lines', () => {
    const status = parseChassisStatus(fixture('real-bmc-chassis-status-front-panel.txt'));
    expect(status.powerRestorePolicy).toBe('previous');
    expect(status.lastPowerEvent).toEqual(['ac-failed', 'command']);
  });

  it('refuses unknown keys, bad values and missing keys', () => {
    const good = fixture('ipmi-sim-chassis-status-on.txt');
    expectRefused(() => parseChassisStatus(`${good}Mystery Field        : yes\n`));
    expectRefused(() => parseChassisStatus(good.replace('System Power         : on', 'System Power         : maybe')));
    expectRefused(() => parseChassisStatus(good.replace(/^Drive Fault.*\n/m, '')));
    expectRefused(() => parseChassisStatus(good.replace('Power Overload       : false', 'Power Overload')));
  });
});

describe('parseMcInfo', () => {
  it('reads ipmi_sim device id', () => {
    expect(parseMcInfo(fixture('ipmi-sim-mc-info.txt'))).toEqual({
      deviceId: 0,
      deviceRevision: 3,
      firmwareRevision: '9.08',
      ipmiVersion: '2.0',
      manufacturerId: 4753,
      manufacturerName: 'MontaVista Software, Inc.',
      productId: 3842,
      productName: 'Unknown (0xF02)',
      deviceAvailable: true,
    });
  });

  it('reads a Dell iDRAC device id', () => {
    expect(parseMcInfo(fixture('real-bmc-mc-info-dell.txt'))).toMatchObject({
      manufacturerId: 674,
      manufacturerName: 'DELL Inc',
      firmwareRevision: '4.40',
      productId: 256,
    });
  });

  it('refuses output with a non-numeric id or a missing field', () => {
    const good = fixture('ipmi-sim-mc-info.txt');
    expectRefused(() =>
      parseMcInfo(good.replace('Manufacturer ID           : 4753', 'Manufacturer ID           : n/a')),
    );
    expectRefused(() => parseMcInfo(good.replace(/^Firmware Revision.*\n/m, '')));
    expectRefused(() => parseMcInfo('Chassis Power is on\n'));
  });
});

describe('parseBootFlags', () => {
  it('reads ipmi_sim flags: device only, flag never marked valid', () => {
    expect(parseBootFlags(fixture('ipmi-sim-bootparam-get-5-pxe.txt'))).toEqual({
      valid: false,
      persistent: false,
      efi: false,
      device: 'pxe',
      deviceDescription: 'Force PXE',
    });
    expect(parseBootFlags(fixture('ipmi-sim-bootparam-get-5-default.txt')).device).toBe('disk');
    expect(parseBootFlags(fixture('ipmi-sim-bootparam-get-5-none.txt'))).toMatchObject({
      device: 'none',
      deviceDescription: 'No override',
    });
  });

  it('reads a real BMC holding PXE, EFI, next boot only', () => {
    expect(parseBootFlags(fixture('real-bmc-bootparam-get-5-pxe-efi-once.txt'))).toEqual({
      valid: true,
      persistent: false,
      efi: true,
      device: 'pxe',
      deviceDescription: 'Force PXE',
    });
  });

  it('reads a real BMC holding disk, EFI, persistent, and reports other devices as other', () => {
    expect(parseBootFlags(fixture('real-bmc-bootparam-get-5-disk-efi-persistent.txt'))).toMatchObject({
      valid: true,
      persistent: true,
      efi: true,
      device: 'disk',
    });
    expect(parseBootFlags(fixture('real-bmc-bootparam-get-5-cdrom.txt'))).toMatchObject({
      device: 'other',
      deviceDescription: 'Force Boot from CD/DVD',
    });
  });

  it('refuses words that disagree with the data bytes', () => {
    const pxe = fixture('real-bmc-bootparam-get-5-pxe-efi-once.txt');
    expectRefused(() =>
      parseBootFlags(pxe.replace('Boot parameter data: a004000000', 'Boot parameter data: a008000000')),
    );
    expectRefused(() =>
      parseBootFlags(pxe.replace('Boot parameter data: a004000000', 'Boot parameter data: e004000000')),
    );
    expectRefused(() => parseBootFlags(pxe.replace('BIOS EFI boot', 'BIOS PC Compatible (legacy) boot')));
  });

  it('refuses another parameter, short data or a reserved selector', () => {
    const pxe = fixture('real-bmc-bootparam-get-5-pxe-efi-once.txt');
    expectRefused(() => parseBootFlags(pxe.replace('Boot parameter 5 is', 'Boot parameter 4 is')));
    expectRefused(() => parseBootFlags(pxe.replace('a004000000', 'a00400')));
    expectRefused(() => parseBootFlags(pxe.replace('a004000000', 'a028000000')));
    expectRefused(() => parseBootFlags(''));
  });
});
