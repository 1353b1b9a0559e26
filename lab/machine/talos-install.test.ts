import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wwidPattern } from '../../shared/talos/machine-network.js';
import { defaultServerSpec } from './machine-spec.js';
import {
  eraseTalosInstall,
  readTalosBootSettings,
  readTalosInstall,
  selectInstallDisk,
  writeTalosInstall,
} from './talos-install.js';

const { disks } = defaultServerSpec(0);
const [nvme, ssd, hdd] = disks as [(typeof disks)[0], (typeof disks)[0], (typeof disks)[0]];

describe('Talos install disk selection', () => {
  it('selects by path, by the WWN pattern the config generator writes, by serial, and by both', () => {
    expect(selectInstallDisk({ disk: '/dev/sda' }, disks)).toBe(ssd);
    expect(selectInstallDisk({ diskSelector: { wwid: wwidPattern(hdd.wwn!) } }, disks)).toBe(hdd);
    expect(selectInstallDisk({ diskSelector: { wwid: wwidPattern(nvme.wwn!) } }, disks)).toBe(nvme);
    expect(selectInstallDisk({ diskSelector: { serial: ssd.serial } }, disks)).toBe(ssd);
    expect(
      selectInstallDisk({ diskSelector: { serial: ssd.serial, wwid: wwidPattern(hdd.wwn!) } }, disks),
    ).toBeUndefined();
    expect(selectInstallDisk({ disk: '/dev/sdz' }, disks)).toBeUndefined();
    expect(selectInstallDisk({}, disks)).toBeUndefined();
  });
});

describe('Talos machine config reading', () => {
  const config = (hardwareAddr: string) =>
    [
      'version: v1alpha1',
      'machine:',
      '  install: { disk: /dev/sda }',
      '  network:',
      '    interfaces:',
      `      - { deviceSelector: { hardwareAddr: "aa:aa:aa:aa:aa:aa" }, addresses: [127.10.0.99/24] }`,
      `      - { deviceSelector: { hardwareAddr: "${hardwareAddr}" }, addresses: [127.10.0.11/24] }`,
      '---',
      'apiVersion: v1alpha1',
      'kind: HostnameConfig',
    ].join('\n');

  it('takes the address of the link chosen by this machine’s MAC, in any case', () => {
    expect(readTalosBootSettings(config('B4:96:91:10:00:00'), ['b4:96:91:10:00:00'])).toEqual({
      nodeIp: '127.10.0.11',
      install: { disk: '/dev/sda' },
    });
    expect(readTalosBootSettings(config('b4:96:91:10:00:00'), ['00:00:00:00:00:01']).nodeIp).toBeUndefined();
    expect(() => readTalosBootSettings('kind: HostnameConfig\n', [])).toThrow(/no v1alpha1/);
  });
});

describe('Talos installation on a disk file', () => {
  let dir: string;
  let file: string;
  const size = 8 << 20;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rackpilot-install-'));
    file = join(dir, 'sda.img');
    await writeFile(file, '');
    await truncate(file, size);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a GPT and the config, reads it back, and erases it', async () => {
    expect(await readTalosInstall(file)).toBeUndefined();
    await writeTalosInstall(file, size, 'version: v1alpha1\n');
    expect(await readTalosInstall(file)).toBe('version: v1alpha1\n');
    await eraseTalosInstall(file, size);
    expect(await readTalosInstall(file)).toBeUndefined();
  });

  it('refuses a disk too small to hold it', async () => {
    await expect(writeTalosInstall(file, 1 << 20, 'x')).rejects.toThrow(/too small/);
  });
});
