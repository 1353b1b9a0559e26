import { describe, expect, it } from 'vitest';
import { parseDnsmasqLeases } from './dnsmasq-leases.js';

// Recorded from dnsmasq 2.90 (Debian bookworm) after `busybox udhcpc` took a lease in the lab.
const RECORDED = '1796535019 fe:5f:78:a5:be:76 10.213.0.138 * 01:fe:5f:78:a5:be:76\n';

describe('parseDnsmasqLeases', () => {
  it('reads the MAC, address and expiry of a recorded lease, without the "*" placeholder hostname', () => {
    expect(parseDnsmasqLeases(RECORDED)).toEqual([
      { mac: 'fe:5f:78:a5:be:76', ip: '10.213.0.138', expiresAt: new Date(1796535019 * 1000) },
    ]);
  });

  it('keeps a client hostname, lower-cases the MAC and reads expiry 0 as an infinite lease', () => {
    expect(parseDnsmasqLeases('0 52:54:00:AB:CD:01 10.213.0.101 lab-01 *\n')).toEqual([
      { mac: '52:54:00:ab:cd:01', ip: '10.213.0.101', expiresAt: null, hostname: 'lab-01' },
    ]);
  });

  it('skips the DHCPv6 duid line and IPv6 leases, blank lines and garbage', () => {
    const text = [
      RECORDED.trim(),
      'duid 00:01:00:01:2c:5e:1a:2b:52:54:00:12:34:56',
      '1796535100 1234567 fd00::5 host6 00:01:00:01:aa',
      '',
      'not a lease',
    ].join('\n');
    expect(parseDnsmasqLeases(text).map((l) => l.ip)).toEqual(['10.213.0.138']);
  });

  it('returns no leases for an empty file (dnsmasq creates it empty at start)', () => {
    expect(parseDnsmasqLeases('')).toEqual([]);
  });
});
