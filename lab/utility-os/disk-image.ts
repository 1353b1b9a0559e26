/**
 * A virtual disk: a sparse file standing for a block device, plus the device state the emulated
 * tools change (ATA password). Writes really change the file and reads really read it; a disk
 * with `failWipe` ignores erases, like a drive whose firmware lies.
 */
import { open, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabDiskSpec } from './types.js';

const CHUNK = 4 * 1024 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

/** Index of the first non-zero byte of `data`, or -1; compares 4 MiB chunks natively before scanning bytes. */
export function firstNonZeroByte(data: Buffer): number {
  for (let at = 0; at < data.length; at += CHUNK) {
    const chunk = data.subarray(at, Math.min(data.length, at + CHUNK));
    if (chunk.equals(ZEROS.subarray(0, chunk.length))) continue;
    return at + chunk.findIndex((b) => b !== 0);
  }
  return -1;
}

export class DiskImage {
  readonly spec: LabDiskSpec;
  readonly file: string;
  /** ATA user password set with `hdparm --security-set-pass`, null when security is disabled. */
  ataPassword: string | null = null;

  private constructor(spec: LabDiskSpec, file: string) {
    this.spec = spec;
    this.file = file;
  }

  /** Creates the sparse backing file `<dir>/<name>.img` of the spec's size. */
  static async create(dir: string, spec: LabDiskSpec): Promise<DiskImage> {
    if (!/^[a-z0-9]+$/.test(spec.name)) throw new Error(`bad disk name ${spec.name}`);
    const file = join(dir, `${spec.name}.img`);
    const handle = await open(file, 'w');
    await handle.truncate(spec.sizeBytes);
    await handle.close();
    return new DiskImage(spec, file);
  }

  get path(): string {
    return `/dev/${this.spec.name}`;
  }

  get size(): number {
    return this.spec.sizeBytes;
  }

  /** Reads `length` bytes at `offset` (clipped to the end of the disk). */
  async read(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(this.size, offset + length);
    const buffer = Buffer.alloc(Math.max(0, end - offset));
    const handle = await open(this.file, 'r');
    try {
      await handle.read(buffer, 0, buffer.length, offset);
    } finally {
      await handle.close();
    }
    return buffer;
  }

  /** Writes `data` at `offset` (used by erasing tools only for zeros; tests write content directly). */
  async write(offset: number, data: Buffer): Promise<void> {
    if (this.spec.failWipe) return;
    const handle = await open(this.file, 'r+');
    try {
      await handle.write(data, 0, data.length, offset);
    } finally {
      await handle.close();
    }
  }

  /**
   * Zeroes `[offset, offset + length)`. A range reaching the end of the disk is zeroed by truncating
   * and re-extending the sparse file (instant, leaves holes); anything else is written in 4 MiB chunks.
   */
  async zero(offset: number, length: number): Promise<void> {
    if (this.spec.failWipe || offset >= this.size) return;
    const end = Math.min(this.size, offset + length);
    if (end === this.size) {
      await truncate(this.file, offset);
      await truncate(this.file, this.size);
      return;
    }
    const handle = await open(this.file, 'r+');
    try {
      for (let at = offset; at < end; at += CHUNK) {
        await handle.write(ZEROS, 0, Math.min(CHUNK, end - at), at);
      }
    } finally {
      await handle.close();
    }
  }

  /** Erases the whole medium (format, sanitize, secure erase, discard). */
  async eraseAll(): Promise<void> {
    if (this.spec.eraseDelayMs) await new Promise((resolve) => setTimeout(resolve, this.spec.eraseDelayMs));
    await this.zero(0, this.size);
  }
}
