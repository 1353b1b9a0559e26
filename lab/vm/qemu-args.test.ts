import { describe, expect, it } from 'vitest';
import { qemuArgs, type QemuRunSpec } from './qemu-args.js';
import { vmMachineSpec } from './vm-machine-spec.js';

const run = (overrides: Partial<QemuRunSpec> = {}): QemuRunSpec => ({
  machine: vmMachineSpec(0),
  accel: 'tcg',
  tap: 'rptap0',
  diskFiles: { nvme0n1: '/lab/lab-01/disks/nvme0n1.img', sda: '/lab/lab-01/disks/sda.img' },
  consoleLog: '/lab/lab-01/console.log',
  ...overrides,
});

/** The value following each occurrence of `flag`. */
const values = (args: string[], flag: string): string[] =>
  args.flatMap((a, i) => (a === flag && args[i + 1] !== undefined ? [args[i + 1] as string] : []));

describe('qemuArgs', () => {
  it('boots the NIC first for a PXE boot, then the disks in order', () => {
    const devices = values(qemuArgs(run(), 'pxe'), '-device');
    expect(devices.find((d) => d.startsWith('virtio-net-pci'))).toContain('bootindex=1');
    expect(devices.find((d) => d.startsWith('nvme'))).toContain('bootindex=2');
    expect(devices.find((d) => d.startsWith('ide-hd'))).toContain('bootindex=3');
  });

  it('gives the NIC no boot index on a disk boot, so strict boot order never falls back to PXE', () => {
    const args = qemuArgs(run(), 'disk');
    expect(values(args, '-device').find((d) => d.startsWith('virtio-net-pci'))).not.toContain('bootindex');
    expect(values(args, '-boot')).toEqual(['strict=on,reboot-timeout=-1']);
  });

  it('puts the lab identities on real devices: NVMe serial, SATA serial + WWN + model, SMBIOS strings, MAC', () => {
    const spec = vmMachineSpec(1);
    const args = qemuArgs(run({ machine: spec }), 'pxe');
    const devices = values(args, '-device');
    const [nvme, sata] = spec.disks;
    expect(devices).toContain(`nvme,drive=disk0,serial=${nvme!.serial},bootindex=2`);
    expect(devices.find((d) => d.startsWith('ide-hd'))).toContain(
      `serial=${sata!.serial},model=${sata!.model},wwn=${sata!.wwn}`,
    );
    expect(values(args, '-smbios')[0]).toBe(
      `type=1,manufacturer=${spec.dmi.vendor},product=${spec.dmi.product},serial=${spec.dmi.serial}`,
    );
    expect(devices.find((d) => d.startsWith('virtio-net-pci'))).toContain(`mac=${spec.mac}`);
  });

  it('runs 1 vCPU with the machine memory, no display, the serial console to the log file', () => {
    const args = qemuArgs(run(), 'pxe');
    expect(values(args, '-smp')).toEqual(['1']);
    expect(values(args, '-m')).toEqual(['512']);
    expect(values(args, '-serial')).toEqual(['file:/lab/lab-01/console.log']);
    expect(values(args, '-accel')).toEqual(['tcg']);
  });

  it('adds OVMF as pflash for UEFI machines and refuses UEFI without it', () => {
    const machine = vmMachineSpec(0, { firmware: 'uefi' });
    expect(() => qemuArgs(run({ machine }), 'pxe')).toThrow(/OVMF/);
    const args = qemuArgs(
      run({ machine, ovmf: { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/lab/vars.fd' } }),
      'pxe',
    );
    expect(values(args, '-drive').filter((d) => d.startsWith('if=pflash'))).toHaveLength(2);
    expect(values(args, '-machine')).toEqual(['q35,graphics=off']);
  });

  it('wires an in-band KCS interface to the BMC when it serves one, and none otherwise', () => {
    const args = qemuArgs(run({ bmcSystemInterfacePort: 40123 }), 'pxe');
    expect(values(args, '-chardev')).toEqual(['socket,id=bmc0chr,host=127.0.0.1,port=40123,reconnect=1']);
    expect(values(args, '-device')).toEqual(
      expect.arrayContaining(['ipmi-bmc-extern,id=bmc0,chardev=bmc0chr', 'isa-ipmi-kcs,bmc=bmc0']),
    );
    expect(values(qemuArgs(run(), 'pxe'), '-chardev')).toEqual([]);
    expect(() => qemuArgs(run({ bmcSystemInterfacePort: 70_000 }), 'pxe')).toThrow(/not a TCP port/);
  });

  it('refuses a value QEMU would split (a comma in a path)', () => {
    expect(() => qemuArgs(run({ diskFiles: { nvme0n1: '/a,b.img', sda: '/s.img' } }), 'pxe')).toThrow(/unsafe/);
  });
});
