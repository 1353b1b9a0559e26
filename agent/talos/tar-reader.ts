/**
 * A minimal, strict reader of tar archives (POSIX ustar, with PAX and GNU long-name headers
 * understood), enough to unpack what Talos streams back from `MachineService/Kubeconfig`.
 *
 * Talos writes that archive with Go's `archive/tar` and closes only the gzip writer, never the
 * tar writer (siderolabs/talos `v1alpha1_server.go`, `Kubeconfig`), so the last file has no
 * padding to 512 bytes and there is no end-of-archive marker. The reader therefore accepts an
 * archive that ends right after the last file's data, but rejects one cut inside it.
 */

const BLOCK = 512;

/** One entry of a tar archive. */
export interface TarEntry {
  /** Path inside the archive (PAX `path` or GNU long name when present). */
  name: string;
  /** `file`, `directory`, or `other` (links, devices, fifos). */
  type: 'file' | 'directory' | 'other';
  /** Permission bits from the header. */
  mode: number;
  /** Contents (empty for non-files). */
  data: Buffer;
}

/** Thrown when the bytes are not a well-formed tar archive. */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? field.length : nul).toString('utf8');
}

/** Parses a numeric header field: octal text, or GNU base-256 when the high bit is set. */
function numeric(block: Buffer, start: number, length: number, field: string): number {
  const bytes = block.subarray(start, start + length);
  if (bytes[0] !== undefined && (bytes[0] & 0x80) !== 0) {
    let value = bytes[0] & 0x7f;
    for (const byte of bytes.subarray(1)) value = value * 256 + byte;
    if (!Number.isSafeInteger(value)) throw new TarFormatError(`tar header field ${field} is too large`);
    return value;
  }
  const text = cString(block, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text))
    throw new TarFormatError(`tar header field ${field} is not octal: ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

function verifyChecksum(block: Buffer, offset: number): void {
  const expected = numeric(block, 148, 8, 'chksum');
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  if (sum !== expected) throw new TarFormatError(`tar header at offset ${offset} has a bad checksum`);
}

/** Parses PAX extended-header records (`"<len> key=value\n"`). */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const length = space === -1 ? NaN : Number(data.subarray(pos, space).toString('ascii'));
    if (!Number.isInteger(length) || length <= 0 || pos + length > data.length) {
      throw new TarFormatError('malformed PAX extended header');
    }
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}

function isZeroBlock(block: Buffer): boolean {
  return block.every((byte) => byte === 0);
}

/** Reads every entry of an uncompressed tar archive. Throws {@link TarFormatError} on malformed input. */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (isZeroBlock(header)) break;
    verifyChecksum(header, offset);
    const magic = cString(header, 257, 6);
    if (magic !== 'ustar' && magic !== 'ustar ')
      throw new TarFormatError(`unsupported tar header magic ${JSON.stringify(magic)}`);
    const size = numeric(header, 124, 12, 'size');
    const typeflag = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + BLOCK;
    if (dataStart + size > archive.length)
      throw new TarFormatError(`tar archive is truncated inside entry at offset ${offset}`);
    const data = archive.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (typeflag === 'x') {
      longName = paxRecords(data).get('path') ?? longName;
      continue;
    }
    if (typeflag === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (typeflag === 'g') continue;

    const prefix = cString(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
    longName = undefined;
    const type =
      typeflag === '0' || typeflag === '\0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'directory' : 'other';
    entries.push({
      name,
      type,
      mode: numeric(header, 100, 8, 'mode'),
      data: type === 'file' ? Buffer.from(data) : Buffer.alloc(0),
    });
  }
  if (offset < archive.length && offset + BLOCK > archive.length && !isZeroBlock(archive.subarray(offset))) {
    throw new TarFormatError(`tar archive has ${archive.length - offset} trailing bytes that are not a header`);
  }
  return entries;
}
