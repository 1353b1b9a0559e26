/**
 * Finds the on-disk signatures libblkid would report on a whole disk, by their magic bytes:
 * filesystems and LVM/swap at the start, GPT (primary and backup header), protective or DOS MBR.
 * Deliberately looser than libblkid (no checksum checks): the lab reports a signature whenever the
 * magic is there, so it never calls a disk clean that real tools would not.
 */
import type { DiskImage } from './disk-image.js';

export interface Signature {
  type: string;
  /** Byte offset of the magic on the disk. */
  offset: number;
  /** The magic bytes wipefs -a erases. */
  magic: Buffer;
  usage: 'filesystem' | 'partition_table' | 'raid' | 'other';
}

const EXT_MAGIC_OFFSET = 0x438;

function extType(head: Buffer): string {
  const compat = head.readUInt32LE(1024 + 0x5c);
  const incompat = head.readUInt32LE(1024 + 0x60);
  if (incompat & 0x40) return 'ext4'; // extents
  return compat & 0x4 ? 'ext3' : 'ext2'; // has_journal
}

/** Returns the signatures on the disk in wipefs order (filesystems first, then partition tables). */
export async function detectSignatures(disk: DiskImage): Promise<Signature[]> {
  const head = await disk.read(0, 8192);
  const found: Signature[] = [];
  const at = (offset: number, text: string, buffer = head): boolean =>
    buffer.length >= offset + text.length && buffer.subarray(offset, offset + text.length).toString('latin1') === text;

  if (head.length >= EXT_MAGIC_OFFSET + 2 && head.readUInt16LE(EXT_MAGIC_OFFSET) === 0xef53) {
    found.push({
      type: extType(head),
      offset: EXT_MAGIC_OFFSET,
      magic: Buffer.from([0x53, 0xef]),
      usage: 'filesystem',
    });
  }
  if (at(0, 'XFSB')) found.push({ type: 'xfs', offset: 0, magic: Buffer.from('XFSB'), usage: 'filesystem' });
  if (at(0xff6, 'SWAPSPACE2'))
    found.push({ type: 'swap', offset: 0xff6, magic: Buffer.from('SWAPSPACE2'), usage: 'other' });
  if (at(0x218, 'LVM2 001'))
    found.push({ type: 'LVM2_member', offset: 0x218, magic: Buffer.from('LVM2 001'), usage: 'raid' });

  if (at(512, 'EFI PART'))
    found.push({ type: 'gpt', offset: 512, magic: Buffer.from('EFI PART'), usage: 'partition_table' });
  const lastSector = disk.size - 512;
  if (lastSector > 512 && at(0, 'EFI PART', await disk.read(lastSector, 8))) {
    found.push({ type: 'gpt', offset: lastSector, magic: Buffer.from('EFI PART'), usage: 'partition_table' });
  }
  if (head.length >= 512 && head[510] === 0x55 && head[511] === 0xaa) {
    // Partition type 0xEE in the first MBR entry marks the protective MBR in front of a GPT.
    const type = head[446 + 4] === 0xee ? 'PMBR' : 'dos';
    found.push({ type, offset: 510, magic: Buffer.from([0x55, 0xaa]), usage: 'partition_table' });
  }
  return found;
}

/** Formats an offset the way wipefs prints it in its JSON (`0x3fffe00`). */
export function hexOffset(offset: number): string {
  return `0x${offset.toString(16)}`;
}
