/**
 * DHCP/BOOTP packet codec (RFC 2131 layout, RFC 2132 options, RFC 3396 long options, option
 * overload). Pure: bytes in, typed packet out, and back. Only what a proxyDHCP needs; it never
 * allocates addresses.
 */
import { ValidationError } from '../../shared/errors.js';
import { ipv4ToBytes } from './boot-validation.js';

/** Option codes the proxyDHCP reads or writes. */
export const DhcpOption = {
  Pad: 0,
  VendorSpecific: 43,
  Overload: 52,
  MessageType: 53,
  ServerId: 54,
  VendorClass: 60,
  TftpServerName: 66,
  BootFileName: 67,
  UserClass: 77,
  ClientArch: 93,
  ClientNdi: 94,
  ClientGuid: 97,
  End: 255,
} as const;

/** DHCP message types (option 53). */
export const DhcpMessageType = {
  Discover: 1,
  Offer: 2,
  Request: 3,
  Decline: 4,
  Ack: 5,
  Nak: 6,
  Release: 7,
  Inform: 8,
} as const;

/** A decoded BOOTP/DHCP message. Addresses are dotted strings; options keyed by code. */
export interface DhcpPacket {
  op: 1 | 2;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** The 16-byte client hardware address field. */
  chaddr: Buffer;
  sname: string;
  file: string;
  /** Option values; a code repeated in the packet is concatenated (RFC 3396). */
  options: Map<number, Buffer>;
}

/** Thrown when bytes are not a well-formed DHCP message. */
export class DhcpPacketError extends ValidationError {
  constructor(message: string) {
    super(`Malformed DHCP packet: ${message}`, undefined, 'DHCP_MALFORMED');
  }
}

const MAGIC = 0x63825363;
const HEADER = 236;
/** BOOTP's minimum message size; some PXE ROMs drop shorter replies. */
const MIN_SIZE = 300;

/** Decodes one datagram. Thrown when malformed: `DhcpPacketError`. */
export function decodeDhcpPacket(buf: Buffer): DhcpPacket {
  if (buf.length < HEADER + 4) throw new DhcpPacketError('too short');
  const op = buf[0];
  if (op !== 1 && op !== 2) throw new DhcpPacketError(`bad op ${op}`);
  if (buf.readUInt32BE(HEADER) !== MAGIC) throw new DhcpPacketError('no DHCP magic cookie');
  const options = new Map<number, Buffer>();
  readOptions(buf.subarray(HEADER + 4), options, true);
  const overload = options.get(DhcpOption.Overload)?.[0] ?? 0;
  if (overload & 1) readOptions(buf.subarray(108, 236), options, false);
  if (overload & 2) readOptions(buf.subarray(44, 108), options, false);
  return {
    op,
    htype: buf[1] ?? 0,
    hlen: buf[2] ?? 0,
    hops: buf[3] ?? 0,
    xid: buf.readUInt32BE(4),
    secs: buf.readUInt16BE(8),
    flags: buf.readUInt16BE(10),
    ciaddr: ip(buf, 12),
    yiaddr: ip(buf, 16),
    siaddr: ip(buf, 20),
    giaddr: ip(buf, 24),
    chaddr: Buffer.from(buf.subarray(28, 44)),
    sname: overload & 2 ? '' : cString(buf.subarray(44, 108)),
    file: overload & 1 ? '' : cString(buf.subarray(108, 236)),
    options,
  };
}

/** Encodes a message, splitting options longer than 255 bytes (RFC 3396) and padding to 300 bytes. */
export function encodeDhcpPacket(p: DhcpPacket): Buffer {
  const head = Buffer.alloc(HEADER);
  head.writeUInt8(p.op, 0);
  head.writeUInt8(p.htype, 1);
  head.writeUInt8(p.hlen, 2);
  head.writeUInt8(p.hops, 3);
  head.writeUInt32BE(p.xid >>> 0, 4);
  head.writeUInt16BE(p.secs, 8);
  head.writeUInt16BE(p.flags, 10);
  [p.ciaddr, p.yiaddr, p.siaddr, p.giaddr].forEach((addr, i) => ipv4ToBytes(addr).copy(head, 12 + i * 4));
  p.chaddr.copy(head, 28, 0, 16);
  writeCString(head, 44, 64, p.sname, 'sname');
  writeCString(head, 108, 128, p.file, 'file');
  const magic = Buffer.alloc(4);
  magic.writeUInt32BE(MAGIC);
  const opts: Buffer[] = [];
  for (const [code, value] of p.options) {
    if (code === DhcpOption.Pad || code === DhcpOption.End) continue;
    if (value.length === 0) opts.push(Buffer.from([code, 0]));
    for (let off = 0; off < value.length; off += 255) {
      const part = value.subarray(off, off + 255);
      opts.push(Buffer.from([code, part.length]), part);
    }
  }
  const out = Buffer.concat([head, magic, ...opts, Buffer.from([DhcpOption.End])]);
  return out.length >= MIN_SIZE ? out : Buffer.concat([out, Buffer.alloc(MIN_SIZE - out.length)]);
}

/** Returns the client MAC (normalised) of an Ethernet client, or `null` for other hardware types. */
export function clientMac(p: DhcpPacket): string | null {
  if (p.htype !== 1 || p.hlen !== 6) return null;
  return [...p.chaddr.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function readOptions(area: Buffer, into: Map<number, Buffer>, mustEnd: boolean): void {
  let i = 0;
  while (i < area.length) {
    const code = area[i] ?? 0;
    if (code === DhcpOption.Pad) {
      i++;
      continue;
    }
    if (code === DhcpOption.End) return;
    const len = area[i + 1];
    if (len === undefined || i + 2 + len > area.length) throw new DhcpPacketError(`option ${code} overruns the packet`);
    const value = area.subarray(i + 2, i + 2 + len);
    const prev = into.get(code);
    into.set(code, prev ? Buffer.concat([prev, value]) : Buffer.from(value));
    i += 2 + len;
  }
  if (mustEnd) throw new DhcpPacketError('options not terminated by End');
}

function ip(buf: Buffer, off: number): string {
  return [...buf.subarray(off, off + 4)].join('.');
}

function cString(buf: Buffer): string {
  const nul = buf.indexOf(0);
  return buf.subarray(0, nul === -1 ? buf.length : nul).toString('latin1');
}

function writeCString(target: Buffer, off: number, size: number, value: string, field: string): void {
  const bytes = Buffer.from(value, 'latin1');
  if (bytes.length >= size) throw new ValidationError(`DHCP ${field} longer than ${size - 1} bytes`);
  bytes.copy(target, off);
}
