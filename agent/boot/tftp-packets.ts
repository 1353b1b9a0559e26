/**
 * TFTP packet codec: RFC 1350 (RRQ, WRQ, DATA, ACK, ERROR) and RFC 2347 option acknowledgement
 * (OACK). Pure: bytes in, typed packets out, and back.
 */
import { ValidationError } from '../../shared/errors.js';

/** Error codes of RFC 1350 and RFC 2347 (8: option negotiation refused). */
export const TftpErrorCode = {
  NotDefined: 0,
  FileNotFound: 1,
  AccessViolation: 2,
  DiskFull: 3,
  IllegalOperation: 4,
  UnknownTransferId: 5,
  FileExists: 6,
  NoSuchUser: 7,
  OptionNegotiation: 8,
} as const;

/** A decoded TFTP packet. Option names are lowercased (RFC 2347: case-insensitive). */
export type TftpPacket =
  | { op: 'rrq' | 'wrq'; filename: string; mode: string; options: Record<string, string> }
  | { op: 'data'; block: number; data: Buffer }
  | { op: 'ack'; block: number }
  | { op: 'error'; code: number; message: string }
  | { op: 'oack'; options: Record<string, string> };

const OPCODES = { rrq: 1, wrq: 2, data: 3, ack: 4, error: 5, oack: 6 } as const;

/** Thrown when bytes are not a well-formed TFTP packet. */
export class TftpPacketError extends ValidationError {
  constructor(message: string) {
    super(`Malformed TFTP packet: ${message}`, undefined, 'TFTP_MALFORMED');
  }
}

/** Decodes one datagram. Thrown when it is malformed: `TftpPacketError`. */
export function decodeTftpPacket(buf: Buffer): TftpPacket {
  if (buf.length < 4) throw new TftpPacketError('too short');
  const opcode = buf.readUInt16BE(0);
  switch (opcode) {
    case OPCODES.rrq:
    case OPCODES.wrq: {
      const [filename, mode, ...rest] = splitStrings(buf.subarray(2));
      if (filename === undefined || mode === undefined || filename === '')
        throw new TftpPacketError('missing filename or mode');
      return { op: opcode === OPCODES.rrq ? 'rrq' : 'wrq', filename, mode: mode.toLowerCase(), options: pairs(rest) };
    }
    case OPCODES.data:
      return { op: 'data', block: buf.readUInt16BE(2), data: buf.subarray(4) };
    case OPCODES.ack:
      if (buf.length !== 4) throw new TftpPacketError('ACK must be 4 bytes');
      return { op: 'ack', block: buf.readUInt16BE(2) };
    case OPCODES.error: {
      const [message = ''] = splitStrings(buf.subarray(4), false);
      return { op: 'error', code: buf.readUInt16BE(2), message };
    }
    case OPCODES.oack:
      return { op: 'oack', options: pairs(splitStrings(buf.subarray(2))) };
    default:
      throw new TftpPacketError(`unknown opcode ${opcode}`);
  }
}

/** Encodes a read (`rrq`) or write (`wrq`) request with RFC 2347 options. */
export function encodeTftpRequest(
  op: 'rrq' | 'wrq',
  filename: string,
  mode = 'octet',
  options: Record<string, string> = {},
): Buffer {
  const fields = [filename, mode, ...Object.entries(options).flat()];
  return Buffer.concat([u16(OPCODES[op]), ...fields.map((f) => Buffer.from(`${f}\0`, 'ascii'))]);
}

/** Encodes a DATA packet; `block` wraps at 65536 as most implementations do for large files. */
export function encodeTftpData(block: number, data: Buffer): Buffer {
  return Buffer.concat([u16(OPCODES.data), u16(block & 0xffff), data]);
}

/** Encodes an ACK packet. */
export function encodeTftpAck(block: number): Buffer {
  return Buffer.concat([u16(OPCODES.ack), u16(block & 0xffff)]);
}

/** Encodes an ERROR packet (message limited to printable ASCII). */
export function encodeTftpError(code: number, message: string): Buffer {
  const safe = message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  return Buffer.concat([u16(OPCODES.error), u16(code), Buffer.from(`${safe}\0`, 'ascii')]);
}

/** Encodes an OACK packet acknowledging the accepted options. */
export function encodeTftpOack(options: Record<string, string>): Buffer {
  return Buffer.concat([
    u16(OPCODES.oack),
    ...Object.entries(options)
      .flat()
      .map((f) => Buffer.from(`${f}\0`, 'ascii')),
  ]);
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

/** Splits NUL-terminated ASCII strings; with `strict`, the last one must be terminated. */
function splitStrings(buf: Buffer, strict = true): string[] {
  if (buf.length === 0) return [];
  if (strict && buf[buf.length - 1] !== 0) throw new TftpPacketError('string not NUL-terminated');
  const parts = buf.toString('latin1').split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function pairs(fields: string[]): Record<string, string> {
  if (fields.length % 2 !== 0) throw new TftpPacketError('option without value');
  const out: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) out[(fields[i] ?? '').toLowerCase()] = fields[i + 1] ?? '';
  return out;
}
