/**
 * Writes what a used disk carries into a lab disk image — random data, a valid GPT (protective
 * MBR, primary and backup headers and entries, with CRCs real libblkid accepts) and an ext4
 * superblock inside the first partition — and reads images back for the assertions.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

const SECTOR = 512;
const ENTRIES = 128;
const ENTRY_SIZE = 128;
const ENTRY_SECTORS = (ENTRIES * ENTRY_SIZE) / SECTOR; // 32
const LINUX_FS = '0fc63daf-8483-4772-8e79-3d69d8477de4';
export const MIB = 1024 * 1024;
/** First partition starts at 1 MiB; its ext4 superblock magic sits 0x438 further. */
export const EXT4_MAGIC_OFFSET = MIB + 0x438;

/** GUIDs are stored mixed-endian: the first three fields little-endian. */
function guidBytes(guid: string): Buffer {
  const hex = Buffer.from(guid.replace(/-/g, ''), 'hex');
  const out = Buffer.from(hex);
  out.writeUInt32LE(hex.readUInt32BE(0), 0);
  out.writeUInt16LE(hex.readUInt16BE(4), 4);
  out.writeUInt16LE(hex.readUInt16BE(6), 6);
  return out;
}

function gptHeader(
  current: bigint,
  backup: bigint,
  entriesLba: bigint,
  lastLba: bigint,
  diskGuid: Buffer,
  entriesCrc: number,
): Buffer {
  const h = Buffer.alloc(SECTOR);
  h.write('EFI PART', 0, 'latin1');
  h.writeUInt32LE(0x00010000, 8);
  h.writeUInt32LE(92, 12);
  h.writeBigUInt64LE(current, 24);
  h.writeBigUInt64LE(backup, 32);
  h.writeBigUInt64LE(34n, 40);
  h.writeBigUInt64LE(lastLba - 34n, 48);
  diskGuid.copy(h, 56);
  h.writeBigUInt64LE(entriesLba, 72);
  h.writeUInt32LE(ENTRIES, 80);
  h.writeUInt32LE(ENTRY_SIZE, 84);
  h.writeUInt32LE(entriesCrc, 88);
  h.writeUInt32LE(crc32(h.subarray(0, 92)), 16);
  return h;
}

/** Writes `data` at `offset` of an existing file. */
export async function writeAt(file: string, offset: number, data: Buffer): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.write(data, 0, data.length, offset);
  } finally {
    await handle.close();
  }
}

/** Fills `[offset, offset + length)` with random bytes (one random MiB repeated: fast, never zero). */
export async function writeRandom(file: string, offset: number, length: number): Promise<void> {
  const block = randomBytes(MIB);
  block[0] = 0xa5; // a random MiB could in theory start with zeros; make sure it does not
  for (let at = 0; at < length; at += MIB)
    await writeAt(file, offset + at, block.subarray(0, Math.min(MIB, length - at)));
}

/** Writes a protective MBR and a GPT with one Linux partition from 1 MiB to 1 MiB before the end. */
export async function writeGpt(file: string, sizeBytes: number): Promise<void> {
  const lastLba = BigInt(sizeBytes / SECTOR - 1);
  const mbr = Buffer.alloc(SECTOR);
  mbr[446 + 4] = 0xee;
  mbr.writeUInt32LE(1, 446 + 8);
  mbr.writeUInt32LE(Math.min(0xffffffff, sizeBytes / SECTOR - 1), 446 + 12);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  const entries = Buffer.alloc(ENTRIES * ENTRY_SIZE);
  guidBytes(LINUX_FS).copy(entries, 0);
  guidBytes(randomUUID()).copy(entries, 16);
  entries.writeBigUInt64LE(BigInt(MIB / SECTOR), 32);
  entries.writeBigUInt64LE(BigInt((sizeBytes - MIB) / SECTOR - 1), 40);
  entries.write('data', 56, 'utf16le');
  const diskGuid = guidBytes(randomUUID());
  const entriesCrc = crc32(entries);
  const backupEntriesLba = lastLba - BigInt(ENTRY_SECTORS);
  await writeAt(file, 0, mbr);
  await writeAt(file, SECTOR, gptHeader(1n, lastLba, 2n, lastLba, diskGuid, entriesCrc));
  await writeAt(file, 2 * SECTOR, entries);
  await writeAt(file, Number(backupEntriesLba) * SECTOR, entries);
  await writeAt(
    file,
    Number(lastLba) * SECTOR,
    gptHeader(lastLba, 1n, backupEntriesLba, lastLba, diskGuid, entriesCrc),
  );
}

/** Writes an ext4 superblock (magic 0xEF53, extents feature) at the start of the first partition. */
export async function writeExt4InPartition(file: string): Promise<void> {
  const sb = Buffer.alloc(1024);
  sb.writeUInt32LE(16384, 0x00); // inodes
  sb.writeUInt32LE(65536, 0x04); // blocks
  sb.writeUInt32LE(0, 0x18); // log block size: 1 KiB
  sb.writeUInt16LE(0xef53, 0x38);
  sb.writeUInt32LE(1, 0x4c); // revision: dynamic
  sb.writeUInt32LE(0x4, 0x5c); // compat: has_journal
  sb.writeUInt32LE(0x2 | 0x40, 0x60); // incompat: filetype, extents
  await writeAt(file, MIB + 1024, sb);
}

/** Random data everywhere the test looks, then a GPT and an ext4 superblock over it. */
export async function dirtyDisk(file: string, sizeBytes: number): Promise<void> {
  await writeRandom(file, 0, 34 * MIB);
  await writeRandom(file, sizeBytes / 2, 4 * MIB);
  await writeRandom(file, sizeBytes - 34 * MIB, 34 * MIB);
  await writeGpt(file, sizeBytes);
  await writeExt4InPartition(file);
}

/** Returns `length` bytes of the image at `offset`. */
export async function readRange(file: string, offset: number, length: number): Promise<Buffer> {
  const data = Buffer.alloc(length);
  const handle = await open(file, 'r');
  try {
    await handle.read(data, 0, length, offset);
  } finally {
    await handle.close();
  }
  return data;
}

export function isAllZero(data: Buffer): boolean {
  return data.equals(Buffer.alloc(data.length));
}

export async function readWhole(file: string): Promise<Buffer> {
  return readFile(file);
}
