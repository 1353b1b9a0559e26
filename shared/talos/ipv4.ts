/**
 * IPv4 arithmetic for cluster network validation. Node networks in Rackpilot are IPv4 (the
 * agent's DHCP/PXE path is IPv4-only), so IPv6 node addresses are refused upstream of this.
 */
import { isIPv4 } from 'node:net';

/** Returns the address as an unsigned 32-bit number, or undefined when it is not dotted-quad IPv4. */
export function parseIPv4(address: string): number | undefined {
  if (!isIPv4(address)) return undefined;
  return address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/** Formats an unsigned 32-bit number as dotted-quad IPv4. */
export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Returns the network mask of a prefix length as an unsigned 32-bit number. */
function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** An IPv4 subnet. */
export interface Subnet {
  network: number;
  prefix: number;
}

/** Returns the subnet `address/prefix` lies in. Thrown when the address is not IPv4. */
export function subnetOf(address: string, prefix: number): Subnet {
  const ip = parseIPv4(address);
  if (ip === undefined) throw new Error(`not an IPv4 address: ${address}`);
  return { network: (ip & mask(prefix)) >>> 0, prefix };
}

/** True when `address` lies inside `subnet`. */
export function subnetContains(subnet: Subnet, address: string): boolean {
  const ip = parseIPv4(address);
  return ip !== undefined && (ip & mask(subnet.prefix)) >>> 0 === subnet.network;
}

/**
 * Returns 'network' or 'broadcast' when `address` is that reserved address of its subnet, else
 * undefined. /31 and /32 have neither (RFC 3021 point-to-point links use both addresses).
 */
export function reservedAddressKind(address: string, prefix: number): 'network' | 'broadcast' | undefined {
  const ip = parseIPv4(address);
  if (ip === undefined || prefix >= 31) return undefined;
  const network = (ip & mask(prefix)) >>> 0;
  if (ip === network) return 'network';
  if (ip === (network | ~mask(prefix)) >>> 0) return 'broadcast';
  return undefined;
}

/** Formats a subnet as CIDR text (`10.0.0.0/24`). */
export function formatSubnet(subnet: Subnet): string {
  return `${formatIPv4(subnet.network)}/${subnet.prefix}`;
}
