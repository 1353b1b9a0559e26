import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as a number, with its family. */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

/** A network in CIDR notation, parsed. */
export interface Cidr {
  family: 4 | 6;
  base: bigint;
  bits: number;
  text: string;
}

/** Parses a textual IPv4 or IPv6 address (no zone id); undefined when it is not one. */
export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { family: 4, value: v4Value(text) };
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = v4Value(text.slice(lastColon + 1));
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left = '', right] = head.split('::');
  const leftParts = left === '' ? [] : left.split(':');
  const rightParts = right === undefined || right === '' ? [] : right.split(':');
  const missing = 8 - leftParts.length - rightParts.length;
  const groups = right === undefined ? leftParts : [...leftParts, ...Array<string>(missing).fill('0'), ...rightParts];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(parseInt(group, 16));
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return { family: 6, value };
}

/** Parses `10.0.0.0/8`, `fd00::/8` or a bare address (a /32 or /128). Throws RangeError when invalid. */
export function parseCidr(text: string): Cidr {
  const [address = '', prefix] = text.trim().split('/');
  const ip = parseIp(address);
  if (!ip) throw new RangeError(`not an IP network: ${text}`);
  const width = ip.family === 4 ? 32 : 128;
  const bits = prefix === undefined ? width : Number(prefix);
  if (!/^\d+$/.test(prefix ?? String(width)) || bits > width) throw new RangeError(`bad prefix length: ${text}`);
  return { family: ip.family, base: ip.value & mask(bits, width), bits, text: text.trim() };
}

/** True when `ip` lies inside `cidr` (same family only). */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.family !== ip.family) return false;
  const width = ip.family === 4 ? 32 : 128;
  return (ip.value & mask(cidr.bits, width)) === cidr.base;
}

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one: IPv4-mapped (`::ffff:a.b.c.d`),
 * IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`). A connection to
 * these reaches the IPv4 host, so the IPv4 rules must apply to them.
 */
export function embeddedIpv4(ip: IpAddress): IpAddress | undefined {
  if (ip.family !== 6) return undefined;
  const top96 = ip.value >> 32n;
  const low32 = ip.value & 0xffffffffn;
  if (top96 === 0xffffn || top96 === 0x64ff9b0000000000000000n) return { family: 4, value: low32 };
  if (top96 === 0n && low32 > 1n) return { family: 4, value: low32 };
  if (ip.value >> 112n === 0x2002n) return { family: 4, value: (ip.value >> 80n) & 0xffffffffn };
  return undefined;
}

/** Formats an address for messages. */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((ip.value >> s) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function v4Value(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function mask(bits: number, width: number): bigint {
  const all = (1n << BigInt(width)) - 1n;
  return bits === 0 ? 0n : (all << BigInt(width - bits)) & all;
}
