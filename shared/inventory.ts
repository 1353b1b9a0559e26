/**
 * The hardware inventory of one asset, as the agent collects it over SSH from the utility OS
 * (CPU, memory, disks, NICs, DMI, BMC). Stored on the asset; `summarizeSpecs` derives the short
 * Colony-compatible `specs` strings shown in the API.
 */
import { z } from 'zod';

/** A disk as `lsblk` reports it, with the identity (serial, WWN) that wipes and installs are checked against. */
export const inventoryDiskSchema = z.object({
  /** Kernel name, e.g. `nvme0n1`, `sda`. Not stable across boots: use `wwn`/`serial` to identify. */
  name: z.string().regex(/^[a-z0-9]+$/),
  /** Device path, `/dev/<name>`. */
  path: z.string().regex(/^\/dev\/[a-z0-9]+$/),
  sizeBytes: z.number().int().nonnegative(),
  model: z.string().nullable(),
  serial: z.string().nullable(),
  /** World Wide Name (`0x5000c500a1b2c3d4`, or an `eui.`/`nvme.` id for NVMe). */
  wwn: z.string().nullable(),
  rotational: z.boolean(),
  /** Transport: `nvme`, `sata`, `sas`, `usb`, ... or null when the kernel does not say (virtual disks). */
  transport: z.string().nullable(),
  /** lsblk TYPE, `disk` for whole disks. */
  type: z.string(),
});
export type InventoryDisk = z.infer<typeof inventoryDiskSchema>;

/** A network interface with a MAC address. */
export const inventoryNicSchema = z.object({
  name: z.string(),
  /** Lower-case colon-separated MAC. */
  mac: z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/),
  /** Link speed in Mbit/s, null when unknown (link down, virtual NIC). */
  speedMbps: z.number().int().positive().nullable(),
  /** Operational state from the kernel (`up`, `down`, `unknown`, ...). */
  state: z.string(),
});
export type InventoryNic = z.infer<typeof inventoryNicSchema>;

export const inventorySchema = z.object({
  cpu: z.object({
    model: z.string(),
    /** Physical cores over all sockets. */
    cores: z.number().int().positive(),
    /** Hardware threads (logical CPUs) over all sockets. */
    threads: z.number().int().positive(),
    sockets: z.number().int().positive(),
  }),
  memory: z.object({
    /** Usable memory as the kernel reports it (`MemTotal`); a little below the installed size. */
    totalBytes: z.number().int().positive(),
  }),
  disks: z.array(inventoryDiskSchema),
  nics: z.array(inventoryNicSchema),
  dmi: z.object({
    vendor: z.string().nullable(),
    product: z.string().nullable(),
    serial: z.string().nullable(),
  }),
  /** The BMC's own LAN settings as the host sees them, when it has one. */
  bmc: z
    .object({
      ipAddress: z.string().nullable(),
      mac: z.string().nullable(),
    })
    .optional(),
});
export type Inventory = z.infer<typeof inventorySchema>;

/** Colony's short hardware summary on an asset. */
export interface AssetSpecs {
  cpu: string;
  ram: string;
  disk: string;
}

/** Returns the media kind of a disk: NVMe by transport, else HDD when rotational, else SSD. */
export function diskMedia(disk: Pick<InventoryDisk, 'transport' | 'rotational'>): 'NVMe' | 'SSD' | 'HDD' {
  if (disk.transport === 'nvme') return 'NVMe';
  return disk.rotational ? 'HDD' : 'SSD';
}

/** Returns Colony's `specs` strings, e.g. `{ cpu: '2x Intel Xeon Gold 6338', ram: '512GB', disk: '2x 1.92TB NVMe, 4TB HDD' }`. */
export function summarizeSpecs(inv: Inventory): AssetSpecs {
  return { cpu: summarizeCpu(inv.cpu), ram: summarizeMemory(inv.memory.totalBytes), disk: summarizeDisks(inv.disks) };
}

function summarizeCpu(cpu: Inventory['cpu']): string {
  const model = cpu.model
    .replace(/\((R|TM|tm|r)\)/g, '')
    .replace(/\bCPU\b/g, '')
    .replace(/@.*$/, '')
    .replace(/\b\d+-Core Processor\b/i, '')
    .replace(/\s+/g, ' ')
    .trim();
  return cpu.sockets > 1 ? `${cpu.sockets}x ${model}` : model;
}

/** Installed memory totals that servers ship with, in GiB; `MemTotal` is rounded up to the next one. */
const STANDARD_MEMORY_GIB = [
  1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192,
];

function summarizeMemory(totalBytes: number): string {
  const gib = totalBytes / 2 ** 30;
  const standard = STANDARD_MEMORY_GIB.find((size) => size >= gib) ?? Math.ceil(gib);
  return `${standard}GB`;
}

/** Formats a size the way drive vendors label them (decimal units, three significant digits): `960GB`, `1.92TB`. */
export function formatDiskSize(bytes: number): string {
  if (bytes >= 1e12) return `${Number((bytes / 1e12).toPrecision(3))}TB`;
  if (bytes >= 1e9) return `${Math.round(bytes / 1e9)}GB`;
  return `${Math.max(1, Math.round(bytes / 1e6))}MB`;
}

function summarizeDisks(disks: InventoryDisk[]): string {
  const order = { NVMe: 0, SSD: 1, HDD: 2 } as const;
  const groups = new Map<string, { count: number; media: keyof typeof order; bytes: number }>();
  for (const disk of disks) {
    const media = diskMedia(disk);
    const label = `${formatDiskSize(disk.sizeBytes)} ${media}`;
    const group = groups.get(label) ?? { count: 0, media, bytes: disk.sizeBytes };
    group.count += 1;
    groups.set(label, group);
  }
  const sorted = [...groups.entries()].sort(([, a], [, b]) => order[a.media] - order[b.media] || b.bytes - a.bytes);
  return sorted.map(([label, g]) => (g.count > 1 ? `${g.count}x ${label}` : label)).join(', ') || 'none';
}

/** A drive as the BMC reports it (Redfish `Storage/…/Drives`). */
export const bmcDriveSchema = z.object({
  name: z.string().nullable(),
  model: z.string().nullable(),
  serial: z.string().nullable(),
  sizeBytes: z.number().int().nonnegative().nullable(),
  /** Redfish `MediaType` (`SSD`, `HDD`) and `Protocol` (`NVMe`, `SATA`, `SAS`), as reported. */
  mediaType: z.string().nullable(),
  protocol: z.string().nullable(),
});
export type BmcDrive = z.infer<typeof bmcDriveSchema>;

/**
 * What the BMC itself says about the machine, before any OS boots (Redfish ComputerSystem,
 * Processors, Memory, Storage, EthernetInterfaces, Manager). Every field the BMC omits is null:
 * BMCs differ in how much they report.
 */
export const bmcHardwareSchema = z.object({
  protocol: z.enum(['ipmi', 'redfish']),
  manufacturer: z.string().nullable(),
  model: z.string().nullable(),
  serial: z.string().nullable(),
  /** SMBIOS UUID of the system. */
  uuid: z.string().nullable(),
  biosVersion: z.string().nullable(),
  /** The BMC's own firmware (Redfish Manager `FirmwareVersion`). */
  bmcFirmware: z.string().nullable(),
  processors: z.object({ count: z.number().int().nonnegative().nullable(), model: z.string().nullable() }),
  memoryBytes: z.number().int().nonnegative().nullable(),
  drives: z.array(bmcDriveSchema),
  /** Lower-case colon MACs of the system's network interfaces. */
  macs: z.array(z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/)),
});
export type BmcHardware = z.infer<typeof bmcHardwareSchema>;
