import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultServerSpec } from '../../../lab/machine/machine-spec.js';
import {
  chooseResetType,
  link,
  memberLinks,
  readBmcInfo,
  readBootFlags,
  readHardware,
  readPowerState,
  resetTarget,
  supportsBootMode,
  type Resource,
} from './redfish-resources.js';

// What sushy-tools 2.2.0 really answered for lab machine lab-01 (`npx tsx
// lab/bmc/record-redfish-fixtures.ts` re-records it): the driver's readers must take it as is.
const recording = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/redfish/sushy-2.2.0.json', import.meta.url), 'utf8'),
) as { systemId: string; resources: Record<string, Resource>; errors: Record<string, number> };
const get = (path: string | undefined): Resource => {
  const resource = path === undefined ? undefined : recording.resources[path.replace(/\/$/, '')];
  if (resource === undefined) throw new Error(`not recorded: ${path}`);
  return resource;
};
const lab01 = defaultServerSpec(0);

describe('the Redfish readers on responses recorded from sushy-tools', () => {
  const root = get('/redfish/v1');
  const systemPath = memberLinks(get(link(root, 'Systems')))[0] as string;
  const system = get(systemPath);

  it('finds the one system from the service root, and reads it powered off with a UEFI override', () => {
    expect(systemPath).toBe(`/redfish/v1/Systems/${recording.systemId}`);
    expect(readPowerState(system)).toBe('off');
    expect(supportsBootMode(system)).toBe(true);
    expect(readBootFlags(system)).toMatchObject({ efi: true, persistent: true, device: 'disk' });
  });

  it('chooses reset types the system offers, and posts them to its own action target', () => {
    expect(resetTarget(system, systemPath)).toBe(`${systemPath}/Actions/ComputerSystem.Reset`);
    expect(chooseResetType(system, ['ForceRestart', 'PowerCycle'])).toBe('ForceRestart');
    expect(chooseResetType(system, ['ForceOff'])).toBe('ForceOff');
  });

  it('reads the hardware the BMC reports: the machine’s drives with their serials, and its NICs', () => {
    const drives = memberLinks(get(link(system, 'Storage'))).flatMap((storage) =>
      (get(storage).Drives as { '@odata.id': string }[]).map((d) => get(d['@odata.id'])),
    );
    const interfaces = memberLinks(get(link(system, 'EthernetInterfaces'))).map(get);
    const manager = get(memberLinks(get(link(root, 'Managers')))[0]);
    const hardware = readHardware({ system, manager, processors: [], drives, interfaces });
    expect(hardware).toMatchObject({ protocol: 'redfish', manufacturer: 'Sushy Emulator', uuid: recording.systemId });
    expect(hardware.drives.map((d) => d.serial).sort()).toEqual(lab01.disks.map((d) => d.serial).sort());
    expect(hardware.drives.find((d) => d.protocol === 'NVMe')).toMatchObject({
      name: 'nvme0n1',
      sizeBytes: lab01.disks[0]!.sizeBytes,
      mediaType: 'SSD',
    });
    expect(hardware.macs).toEqual(lab01.nics.map((n) => n.mac));
    expect(readBmcInfo(manager, root)).toMatchObject({ firmwareRevision: expect.any(String) });
  });

  it('records what sushy does not implement, which the driver must survive', () => {
    // The driver reads Processors and Memory when linked; sushy's fake driver answers 501 and 404.
    expect(recording.errors).toMatchObject({
      [`${systemPath}/Processors/CPU`]: 501,
      [`${systemPath}/Memory`]: 404,
    });
  });
});
