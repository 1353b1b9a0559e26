import { describe, expect, it } from 'vitest';
import { dnsmasqArgs } from './dhcp-server.js';

const args = dnsmasqArgs({
  interface: 'rpdhcp-srv',
  range: { start: '10.213.0.100', end: '10.213.0.199' },
  netmask: '255.255.255.0',
  leaseTime: '1h',
  leaseFile: '/lab/network/dnsmasq.leases',
  logFile: '/lab/network/dnsmasq.log',
});

describe('dnsmasqArgs', () => {
  it('serves DHCP on the one interface, from the range, into the lab directory', () => {
    expect(args).toContain('--bind-interfaces');
    expect(args).toContain('--interface=rpdhcp-srv');
    expect(args).toContain('--dhcp-range=10.213.0.100,10.213.0.199,255.255.255.0,1h');
    expect(args).toContain('--dhcp-leasefile=/lab/network/dnsmasq.leases');
    expect(args).toContain('--dhcp-authoritative');
  });

  it('runs no DNS and offers no router or DNS server', () => {
    expect(args).toContain('--port=0');
    expect(args).toContain('--dhcp-option=3');
    expect(args).toContain('--dhcp-option=6');
  });

  it("reads none of the host's configuration and writes no pid file", () => {
    expect(args).toEqual(expect.arrayContaining(['--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--pid-file=']));
  });

  it('stays in the foreground (so its PID is ours) and logs every DHCP exchange to stderr', () => {
    expect(args).toEqual(
      expect.arrayContaining(['--keep-in-foreground', '--log-dhcp', '--log-facility=/lab/network/dnsmasq.log']),
    );
    expect(args).not.toContain('--no-daemon');
  });

  it('hands out nothing PXE (that is the agent proxyDHCP job)', () => {
    const pxe = /dhcp-boot|pxe|tftp|dhcp-match|dhcp-vendorclass|dhcp-userclass|dhcp-option=(43|60|66|67)/;
    expect(args.filter((a) => pxe.test(a))).toEqual([]);
  });
});
