import { describe, expect, it } from 'vitest';
import { directedBroadcast, interfaceBroadcastFor } from './broadcast-address.js';

describe('where proxyDHCP broadcasts', () => {
  it('computes the directed broadcast of an address in its network', () => {
    expect(directedBroadcast('10.213.0.1', '255.255.255.0')).toBe('10.213.0.255');
    expect(directedBroadcast('192.168.17.130', '255.255.255.128')).toBe('192.168.17.255');
    expect(directedBroadcast('172.16.4.9', '255.240.0.0')).toBe('172.31.255.255');
    expect(directedBroadcast('10.0.0.7', '255.255.255.255')).toBe('10.0.0.7');
  });

  it('uses the interface that holds the server address, not the first one', () => {
    const interfaces = {
      lo: [
        {
          address: '127.0.0.1',
          netmask: '255.0.0.0',
          family: 'IPv4',
          mac: '00:00:00:00:00:00',
          internal: true,
          cidr: '127.0.0.1/8',
        },
      ],
      eth0: [
        {
          address: '192.0.2.10',
          netmask: '255.255.255.0',
          family: 'IPv4',
          mac: '02:00:00:00:00:01',
          internal: false,
          cidr: '192.0.2.10/24',
        },
      ],
      rpbr0: [
        {
          address: 'fe80::1',
          netmask: 'ffff:ffff:ffff:ffff::',
          family: 'IPv6',
          mac: '02:00:00:00:00:02',
          internal: false,
          cidr: 'fe80::1/64',
          scopeid: 3,
        },
        {
          address: '10.213.0.1',
          netmask: '255.255.255.0',
          family: 'IPv4',
          mac: '02:00:00:00:00:02',
          internal: false,
          cidr: '10.213.0.1/24',
        },
      ],
    } as const;
    expect(interfaceBroadcastFor('10.213.0.1', interfaces as never)).toEqual({
      interface: 'rpbr0',
      broadcast: '10.213.0.255',
    });
    expect(interfaceBroadcastFor('10.9.9.9', interfaces as never)).toBeUndefined();
  });
});
