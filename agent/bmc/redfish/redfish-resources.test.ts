import { describe, expect, it } from 'vitest';
import {
  chooseResetType,
  memberLinks,
  normaliseMac,
  readBootFlags,
  readHardware,
  readPowerState,
  resetTarget,
  supportsBootMode,
} from './redfish-resources.js';

// Trimmed from what sushy-tools 2.2.0 (fake driver) answered in this repo's lab.
const SYSTEM_PATH = '/redfish/v1/Systems/11111111-2222-3333-4444-555555555555';
const SUSHY_SYSTEM = {
  '@odata.type': '#ComputerSystem.v1_13_0.ComputerSystem',
  Id: '11111111-2222-3333-4444-555555555555',
  Name: 'lab-01',
  UUID: '11111111-2222-3333-4444-555555555555',
  Manufacturer: 'Sushy Emulator',
  PowerState: 'Off',
  Boot: {
    BootSourceOverrideEnabled: 'Continuous',
    BootSourceOverrideTarget: 'Pxe',
    'BootSourceOverrideTarget@Redfish.AllowableValues': ['Pxe', 'Cd', 'Hdd', 'UefiHttp'],
    BootSourceOverrideMode: 'UEFI',
  },
  ProcessorSummary: { Status: { State: 'Enabled', Health: 'OK' } },
  MemorySummary: { Status: { State: 'Enabled', Health: 'OK' } },
  EthernetInterfaces: { '@odata.id': `${SYSTEM_PATH}/EthernetInterfaces` },
  Actions: {
    '#ComputerSystem.Reset': {
      target: `${SYSTEM_PATH}/Actions/ComputerSystem.Reset`,
      'ResetType@Redfish.AllowableValues': [
        'On',
        'ForceOff',
        'GracefulShutdown',
        'GracefulRestart',
        'ForceRestart',
        'Nmi',
        'ForceOn',
      ],
    },
  },
};
const SUSHY_NIC = {
  '@odata.type': '#EthernetInterface.v1_0_2.EthernetInterface',
  Id: 'b4:96:91:10:00:00',
  PermanentMACAddress: 'b4:96:91:10:00:00',
  MACAddress: 'b4:96:91:10:00:00',
};

describe('reading Redfish resources', () => {
  it('power: transitions count as the state they leave, so a waiter keeps waiting', () => {
    expect(readPowerState({ PowerState: 'On' })).toBe('on');
    expect(readPowerState({ PowerState: 'PoweringOff' })).toBe('on');
    expect(readPowerState({ PowerState: 'PoweringOn' })).toBe('off');
    expect(readPowerState(SUSHY_SYSTEM)).toBe('off');
    expect(() => readPowerState({})).toThrow(/no usable PowerState/);
  });

  it('boot override: device, persistence and mode as the BMC holds them', () => {
    expect(readBootFlags(SUSHY_SYSTEM)).toEqual({
      valid: true,
      persistent: true,
      efi: true,
      device: 'pxe',
      deviceDescription: 'Pxe (Continuous)',
    });
    expect(
      readBootFlags({
        Boot: { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Hdd', BootSourceOverrideMode: 'Legacy' },
      }),
    ).toMatchObject({ valid: true, persistent: false, efi: false, device: 'disk' });
    expect(
      readBootFlags({ Boot: { BootSourceOverrideEnabled: 'Disabled', BootSourceOverrideTarget: 'None' } }),
    ).toMatchObject({ valid: false, device: 'none' });
    expect(
      readBootFlags({ Boot: { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'BiosSetup' } }).device,
    ).toBe('other');
    expect(supportsBootMode(SUSHY_SYSTEM)).toBe(true);
    expect(supportsBootMode({ Boot: { BootSourceOverrideTarget: 'Pxe' } })).toBe(false);
  });

  it('reset: the type the BMC offers, at the target it names', () => {
    expect(chooseResetType(SUSHY_SYSTEM, ['ForceRestart', 'PowerCycle'])).toBe('ForceRestart');
    const idracLike = {
      Actions: { '#ComputerSystem.Reset': { 'ResetType@Redfish.AllowableValues': ['On', 'ForceOff', 'PowerCycle'] } },
    };
    expect(chooseResetType(idracLike, ['ForceRestart', 'PowerCycle'])).toBe('PowerCycle');
    expect(() => chooseResetType(idracLike, ['GracefulShutdown'])).toThrow(
      /offers none of .*GracefulShutdown.*On, ForceOff, PowerCycle/,
    );
    expect(chooseResetType({}, ['ForceOff'])).toBe('ForceOff');
    expect(resetTarget(SUSHY_SYSTEM, SYSTEM_PATH)).toBe(`${SYSTEM_PATH}/Actions/ComputerSystem.Reset`);
    expect(resetTarget({}, '/redfish/v1/Systems/1')).toBe('/redfish/v1/Systems/1/Actions/ComputerSystem.Reset');
  });

  it('hardware: what the BMC fills in, null for what it leaves out, MACs normalised', () => {
    const hardware = readHardware({
      system: {
        ...SUSHY_SYSTEM,
        Model: 'PowerEdge R650',
        SerialNumber: 'CN7016',
        MemorySummary: { TotalSystemMemoryGiB: 128 },
        ProcessorSummary: { Count: 2, Model: 'Intel Xeon Gold 6338' },
      },
      manager: { FirmwareVersion: '7.00.00.00' },
      processors: [],
      drives: [
        {
          Name: 'Disk 0',
          Model: 'MZQL2960HCJR',
          SerialNumber: 'S64FNE0R700001',
          CapacityBytes: 960197124096,
          MediaType: 'SSD',
          Protocol: 'NVMe',
        },
      ],
      interfaces: [SUSHY_NIC, { MACAddress: 'B4-96-91-10-00-01' }, { MACAddress: 'not a mac' }],
    });
    expect(hardware).toEqual({
      protocol: 'redfish',
      manufacturer: 'Sushy Emulator',
      model: 'PowerEdge R650',
      serial: 'CN7016',
      uuid: '11111111-2222-3333-4444-555555555555',
      biosVersion: null,
      bmcFirmware: '7.00.00.00',
      processors: { count: 2, model: 'Intel Xeon Gold 6338' },
      memoryBytes: 128 * 1024 ** 3,
      drives: [
        {
          name: 'Disk 0',
          model: 'MZQL2960HCJR',
          serial: 'S64FNE0R700001',
          sizeBytes: 960197124096,
          mediaType: 'SSD',
          protocol: 'NVMe',
        },
      ],
      macs: ['b4:96:91:10:00:00', 'b4:96:91:10:00:01'],
    });
    expect(
      readHardware({ system: SUSHY_SYSTEM, manager: undefined, processors: [], drives: [], interfaces: [] }),
    ).toMatchObject({
      model: null,
      serial: null,
      memoryBytes: null,
      processors: { count: null, model: null },
    });
  });

  it('collections: member links, skipping malformed members', () => {
    expect(memberLinks({ Members: [{ '@odata.id': '/a' }, {}, { '@odata.id': '/b' }] })).toEqual(['/a', '/b']);
    expect(memberLinks(undefined)).toEqual([]);
    expect(normaliseMac('00:1A:2B:3C:4D:5E')).toBe('00:1a:2b:3c:4d:5e');
  });
});
