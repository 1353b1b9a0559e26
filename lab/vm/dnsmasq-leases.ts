/**
 * Parser of dnsmasq's lease file (`--dhcp-leasefile`). One IPv4 lease a line:
 * `<expiry epoch s> <mac> <ip> <hostname|*> <client-id|*>`, expiry 0 for an infinite lease.
 * DHCPv6 leases follow a `duid <server duid>` line with an IAID where the MAC stands; the lab hands
 * out no IPv6, so those lines are skipped rather than misread.
 */

/** One address dnsmasq handed out. */
export interface DhcpLease {
  /** Lower-case, colon-separated hardware address. */
  mac: string;
  ip: string;
  /** When the lease runs out; null for an infinite lease. */
  expiresAt: Date | null;
  /** The name the client sent (option 12), if any. */
  hostname?: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** Returns the IPv4 leases in `text` (the lease file's content), in file order. */
export function parseDnsmasqLeases(text: string): DhcpLease[] {
  const leases: DhcpLease[] = [];
  for (const line of text.split('\n')) {
    const [expiry, mac, ip, hostname] = line.trim().split(/\s+/);
    if (expiry === undefined || mac === undefined || ip === undefined) continue;
    if (!/^\d+$/.test(expiry) || !MAC.test(mac) || !IPV4.test(ip)) continue;
    const seconds = Number(expiry);
    leases.push({
      mac: mac.toLowerCase(),
      ip,
      expiresAt: seconds === 0 ? null : new Date(seconds * 1000),
      ...(hostname !== undefined && hostname !== '*' ? { hostname } : {}),
    });
  }
  return leases;
}
