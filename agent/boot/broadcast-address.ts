/**
 * Where a proxyDHCP reply to a client without an address goes. RFC 2131 says "broadcast"; sent to
 * 255.255.255.255, Linux routes it by the routing table, not by the interface the request came in
 * on: out of the default route's interface (the wrong network) on an agent whose provisioning NIC
 * is not its default, and nowhere at all (ENETUNREACH) on one with no default route. The
 * provisioning interface's directed broadcast (10.213.0.255 for 10.213.0.1/24) follows the
 * connected route of that very interface and still leaves as a link-layer broadcast, which is what
 * PXE firmware accepts before it has an address.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** The directed broadcast address of `ip` in a network of `netmask` (both dotted quads). */
export function directedBroadcast(ip: string, netmask: string): string {
  const octets = ip.split('.').map(Number);
  const mask = netmask.split('.').map(Number);
  return octets.map((o, i) => (o | (~(mask[i] ?? 0) & 0xff)) & 0xff).join('.');
}

/**
 * The broadcast address of the local interface that holds `serverIp`, or undefined when no
 * interface holds it (then only the limited broadcast is left).
 */
export function interfaceBroadcastFor(
  serverIp: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): { interface: string; broadcast: string } | undefined {
  for (const [name, addresses] of Object.entries(interfaces)) {
    const held = addresses?.find((a) => a.family === 'IPv4' && a.address === serverIp);
    if (held) return { interface: name, broadcast: directedBroadcast(held.address, held.netmask) };
  }
  return undefined;
}
