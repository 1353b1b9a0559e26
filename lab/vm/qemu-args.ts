/**
 * The `qemu-system-x86_64` command line of one lab VM (pure). Every boot is a fresh QEMU process
 * whose boot order comes from the BMC's boot device, as a BIOS reads its boot override at POST:
 * `pxe` puts the NIC first (its iPXE option ROM, or OVMF's PXE), anything else the disks only.
 */
import type { VmMachineSpec } from './vm-machine-spec.js';

/** Where a VM's files are and how it runs. */
export interface QemuRunSpec {
  machine: VmMachineSpec;
  accel: 'kvm' | 'tcg';
  /** The tap device (inside the lab's namespace) its NIC is plugged into. */
  tap: string;
  /** Image file per disk name. */
  diskFiles: Record<string, string>;
  /** Serial console (firmware, iPXE and kernel output) is written here. */
  consoleLog: string;
  /** UEFI only: the OVMF code image and this VM's own copy of the variable store. */
  ovmf?: { code: string; vars: string };
  /**
   * TCP port on 127.0.0.1 where the machine's BMC (ipmi_sim, "VM" codec) serves its in-band
   * system interface: the guest gets a KCS interface (/dev/ipmi0) wired to its own BMC.
   */
  bmcSystemInterfacePort?: number;
}

/** What the BMC asked this boot to use. */
export type VmBootDevice = 'pxe' | 'disk';

function assertSafe(field: string, value: string): string {
  // QEMU's option parser splits on commas; nothing we pass may contain one (or spaces, for sanity).
  if (!/^[A-Za-z0-9_./:+-]+$/.test(value)) throw new Error(`QEMU ${field} has unsafe characters: ${value}`);
  return value;
}

/** SMBIOS strings may hold spaces and dots, never commas (QEMU's separator; `,,` would escape one). */
function smbiosValue(value: string): string {
  if (value.includes(',') || value.includes('\n')) throw new Error(`SMBIOS value may not contain a comma: ${value}`);
  return value;
}

/** Returns the argument vector (without the binary) for one boot of `spec` from `boot`. */
export function qemuArgs(spec: QemuRunSpec, boot: VmBootDevice): string[] {
  const { machine } = spec;
  const pxeFirst = boot === 'pxe';
  const args = [
    '-name',
    assertSafe('name', machine.name),
    '-accel',
    spec.accel,
    // graphics=off: SeaBIOS mirrors its (and the iPXE ROM's) screen to the serial port.
    '-machine',
    `${spec.machine.firmware === 'uefi' ? 'q35' : 'pc'},graphics=off`,
    '-cpu',
    spec.accel === 'kvm' ? 'host' : 'max',
    '-smp',
    '1',
    '-m',
    String(machine.memoryMiB),
    '-nodefaults',
    '-display',
    'none',
    '-serial',
    `file:${assertSafe('console log', spec.consoleLog)}`,
    '-smbios',
    `type=1,manufacturer=${smbiosValue(machine.dmi.vendor)},product=${smbiosValue(machine.dmi.product)},serial=${smbiosValue(machine.dmi.serial)}`,
    // No retry loop when nothing boots: the machine sits at "no bootable device" like real firmware.
    '-boot',
    'strict=on,reboot-timeout=-1',
    '-netdev',
    `tap,id=net0,ifname=${assertSafe('tap', spec.tap)},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,netdev=net0,mac=${assertSafe('mac', machine.mac)}${pxeFirst ? ',bootindex=1' : ''}`,
  ];
  if (spec.bmcSystemInterfacePort !== undefined) {
    const port = spec.bmcSystemInterfacePort;
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`not a TCP port: ${port}`);
    // reconnect: a BMC that restarts is found again, as a host's KCS survives a BMC reset.
    args.push(
      '-chardev',
      `socket,id=bmc0chr,host=127.0.0.1,port=${port},reconnect=1`,
      '-device',
      'ipmi-bmc-extern,id=bmc0,chardev=bmc0chr',
      '-device',
      'isa-ipmi-kcs,bmc=bmc0',
    );
  }
  if (machine.firmware === 'uefi') {
    if (!spec.ovmf) throw new Error(`${machine.name}: UEFI needs the OVMF code and vars files`);
    args.push(
      '-drive',
      `if=pflash,format=raw,unit=0,readonly=on,file=${assertSafe('OVMF code', spec.ovmf.code)}`,
      '-drive',
      `if=pflash,format=raw,unit=1,file=${assertSafe('OVMF vars', spec.ovmf.vars)}`,
    );
  }
  args.push('-device', 'ahci,id=ahci0');
  machine.disks.forEach((disk, i) => {
    const file = spec.diskFiles[disk.name];
    if (file === undefined) throw new Error(`${machine.name}: no image file for disk ${disk.name}`);
    const id = `disk${i}`;
    // Disks boot after the NIC on a PXE boot, first otherwise.
    const bootindex = pxeFirst ? i + 2 : i + 1;
    args.push('-drive', `if=none,id=${id},format=raw,file=${assertSafe('disk file', file)}`);
    if (disk.controller === 'nvme') {
      args.push('-device', `nvme,drive=${id},serial=${assertSafe('serial', disk.serial)},bootindex=${bootindex}`);
    } else {
      const wwn = disk.wwn === null ? '' : `,wwn=${assertSafe('wwn', disk.wwn)}`;
      args.push(
        '-device',
        `ide-hd,drive=${id},bus=ahci0.${i},serial=${assertSafe('serial', disk.serial)},model=${assertSafe('model', disk.model)}${wwn},rotation_rate=1,bootindex=${bootindex}`,
      );
    }
  });
  return args;
}
