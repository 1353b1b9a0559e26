/**
 * What one QEMU machine of the VM lab is: the simulated lab's identity for the same index (name,
 * BMC credentials, DMI strings, MAC, disk serials and WWNs), cut down to what a VM of 1 vCPU and
 * 512 MiB carries: one NVMe boot disk and one SATA data disk, one NIC. The VM reports these
 * identities through real firmware tables and real controllers, so inventory meets them as it
 * would on a rack.
 */
import { defaultServerSpec } from '../machine/machine-spec.js';

const MIB = 1024 * 1024;

/** One disk image attached to a VM. */
export interface VmDiskSpec {
  /** Kernel name the guest gives it (`nvme0n1`, `sda`): the lab's name for the image file. */
  name: string;
  controller: 'nvme' | 'sata';
  sizeBytes: number;
  model: string;
  serial: string;
  /** SATA: the 64-bit NAA WWN (`0x5000c500…`); NVMe: null (the guest derives its own `wwid`). */
  wwn: string | null;
}

/** A VM of the lab. */
export interface VmMachineSpec {
  name: string;
  index: number;
  /** MAC of its one NIC (the one that PXE-boots). */
  mac: string;
  memoryMiB: number;
  dmi: { vendor: string; product: string; serial: string };
  bmc: { address: string; username: string; password: string };
  disks: VmDiskSpec[];
  /** `bios`: SeaBIOS with the NIC's iPXE option ROM; `uefi`: OVMF, whose PXE loads `ipxe.efi` over TFTP. */
  firmware: 'bios' | 'uefi';
}

/** Options of {@link vmMachineSpec}. */
export interface VmMachineSpecOptions {
  /** Size of each disk image (sparse); default 64 MiB. */
  diskSizeBytes?: number;
  /** Guest memory; at most 512 MiB (the budget per VM), default 512. */
  memoryMiB?: number;
  firmware?: 'bios' | 'uefi';
}

/** Returns the VM of lab index `index` (0-based), the same on every run. */
export function vmMachineSpec(index: number, options: VmMachineSpecOptions = {}): VmMachineSpec {
  const memoryMiB = options.memoryMiB ?? 512;
  if (!Number.isInteger(memoryMiB) || memoryMiB < 256 || memoryMiB > 512)
    throw new Error(`VM memory must be 256–512 MiB, not ${memoryMiB}`);
  const sizeBytes = options.diskSizeBytes ?? 64 * MIB;
  if (sizeBytes % MIB !== 0 || sizeBytes < 16 * MIB)
    throw new Error('VM disk size must be a multiple of 1 MiB, ≥ 16 MiB');
  const sim = defaultServerSpec(index, { dataDisks: 1, diskSizeBytes: sizeBytes });
  const [nvme, sata] = sim.disks;
  const nic = sim.nics[0];
  if (!nvme || !sata || !nic) throw new Error('lab machine spec lacks its NVMe or SATA disk or its NIC');
  return {
    name: sim.name,
    index,
    mac: nic.mac,
    memoryMiB,
    dmi: sim.dmi,
    bmc: { address: sim.bmcAddress, username: sim.bmcUsername, password: sim.bmcPassword },
    disks: [
      // QEMU's NVMe controller has no model property: it reports `QEMU NVMe Ctrl`, as the guest will see.
      { name: nvme.name, controller: 'nvme', sizeBytes, model: 'QEMU NVMe Ctrl', serial: nvme.serial, wwn: null },
      { name: sata.name, controller: 'sata', sizeBytes, model: sata.model, serial: sata.serial, wwn: sata.wwn },
    ],
    firmware: options.firmware ?? 'bios',
  };
}
