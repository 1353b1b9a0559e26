/**
 * What a booting Talos reads from its machine config before it serves anything (the node IP and
 * the install disk), and the "install" itself: a GPT on the chosen disk file plus the config,
 * which is what lets the machine boot Talos from disk later. Signatures are real (protective MBR,
 * primary and backup GPT headers), so the utility OS's wipefs sees an installed disk, and a wipe
 * really removes the installation.
 */
import { open } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { LabDiskSpec } from '../utility-os/types.js';

/** The parts of `machine.install` and `machine.network` the lab acts on. */
export interface TalosBootSettings {
  /** The node address from the config (first static address of the link chosen by MAC, else the first link). */
  nodeIp: string | undefined;
  install: { disk?: string; diskSelector?: { wwid?: string; serial?: string } };
}

interface ConfigDocument {
  version?: string;
  machine?: {
    install?: TalosBootSettings['install'];
    network?: { interfaces?: { deviceSelector?: { hardwareAddr?: string }; addresses?: string[] }[] };
  };
}

/** Reads the node IP and install target from a (multi-document) machine config. Thrown when it has no v1alpha1 document. */
export function readTalosBootSettings(yamlText: string, macs: readonly string[]): TalosBootSettings {
  const v1alpha1 = parseAllDocuments(yamlText)
    .map((doc) => doc.toJS() as ConfigDocument | null)
    .find((doc) => doc?.version === 'v1alpha1');
  if (!v1alpha1) throw new Error('machine config has no v1alpha1 document');
  const interfaces = v1alpha1.machine?.network?.interfaces ?? [];
  const own = new Set(macs.map((mac) => mac.toLowerCase()));
  const link =
    interfaces.find((i) => own.has(i.deviceSelector?.hardwareAddr?.toLowerCase() ?? '')) ??
    interfaces.find((i) => i.deviceSelector === undefined);
  const nodeIp = link?.addresses?.[0]?.split('/')[0];
  return { nodeIp, install: v1alpha1.machine?.install ?? {} };
}

/** The `wwid` Linux reports in `/sys/block/<dev>/wwid` for a disk whose inventory WWN is `wwn`. */
export function sysfsWwid(wwn: string): string {
  return wwn.startsWith('0x') ? `naa.${wwn.slice(2)}` : wwn;
}

function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`, 'i').test(value);
}

/**
 * Returns the disk Talos would install to: `install.disk` by device path, else the first disk
 * matching every field of `install.diskSelector` (globs, as Talos' selector), else undefined.
 */
export function selectInstallDisk(
  install: TalosBootSettings['install'],
  disks: readonly LabDiskSpec[],
): LabDiskSpec | undefined {
  if (install.disk !== undefined) return disks.find((d) => `/dev/${d.name}` === install.disk);
  const selector = install.diskSelector;
  if (selector === undefined || (selector.wwid === undefined && selector.serial === undefined)) return undefined;
  return disks.find(
    (d) =>
      (selector.wwid === undefined || (d.wwn !== null && globMatches(selector.wwid, sysfsWwid(d.wwn)))) &&
      (selector.serial === undefined || globMatches(selector.serial, d.serial)),
  );
}

const CONFIG_OFFSET = 1024 * 1024;
const CONFIG_MAGIC = 'RACKPILOT-LAB-TALOS-STATE\n';

/** Writes the installation to `file` (a disk of `sizeBytes`): protective MBR, GPT headers, the config. */
export async function writeTalosInstall(file: string, sizeBytes: number, machineConfigYaml: string): Promise<void> {
  const mbr = Buffer.alloc(512);
  mbr[446 + 4] = 0xee; // protective MBR: one partition of type 0xEE in front of the GPT
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  const gptHeader = Buffer.alloc(512);
  gptHeader.write('EFI PART', 0, 'latin1');
  const config = Buffer.from(machineConfigYaml, 'utf8');
  const state = Buffer.alloc(CONFIG_MAGIC.length + 4 + config.length);
  state.write(CONFIG_MAGIC, 0, 'latin1');
  state.writeUInt32BE(config.length, CONFIG_MAGIC.length);
  config.copy(state, CONFIG_MAGIC.length + 4);
  if (CONFIG_OFFSET + state.length > sizeBytes - 512) throw new Error('install disk is too small for Talos');
  const handle = await open(file, 'r+');
  try {
    await handle.write(mbr, 0, 512, 0);
    await handle.write(gptHeader, 0, 512, 512);
    await handle.write(state, 0, state.length, CONFIG_OFFSET);
    await handle.write(gptHeader, 0, 512, sizeBytes - 512);
  } finally {
    await handle.close();
  }
}

/**
 * Returns the machine config of a Talos installed on `file`, or undefined when the disk has no
 * bootable installation (no GPT header, as after `wipefs -a`, or no state, as after a zeroing wipe).
 */
export async function readTalosInstall(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    const gpt = Buffer.alloc(8);
    await handle.read(gpt, 0, 8, 512);
    if (gpt.toString('latin1') !== 'EFI PART') return undefined;
    const head = Buffer.alloc(CONFIG_MAGIC.length + 4);
    await handle.read(head, 0, head.length, CONFIG_OFFSET);
    if (head.subarray(0, CONFIG_MAGIC.length).toString('latin1') !== CONFIG_MAGIC) return undefined;
    const length = head.readUInt32BE(CONFIG_MAGIC.length);
    const config = Buffer.alloc(length);
    await handle.read(config, 0, length, CONFIG_OFFSET + head.length);
    return config.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Erases what {@link writeTalosInstall} wrote (Talos Reset wiping its system disk); the rest of the disk is kept. */
export async function eraseTalosInstall(file: string, sizeBytes: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const zeros = Buffer.alloc(CONFIG_OFFSET);
    await handle.write(zeros, 0, zeros.length, 0);
    const head = Buffer.alloc(CONFIG_MAGIC.length + 4);
    await handle.read(head, 0, head.length, CONFIG_OFFSET);
    const length =
      head.subarray(0, CONFIG_MAGIC.length).toString('latin1') === CONFIG_MAGIC
        ? head.readUInt32BE(CONFIG_MAGIC.length)
        : 0;
    const state = Buffer.alloc(head.length + length);
    await handle.write(state, 0, state.length, CONFIG_OFFSET);
    await handle.write(Buffer.alloc(512), 0, 512, sizeBytes - 512);
  } finally {
    await handle.close();
  }
}
