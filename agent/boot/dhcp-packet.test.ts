import { describe, expect, it } from 'vitest';
import { hexFixture as fixture } from '../../test/fixtures/boot/load-fixture.js';
import { DhcpOption, DhcpPacketError, clientMac, decodeDhcpPacket, encodeDhcpPacket } from './dhcp-packet.js';

describe('DHCP packet codec', () => {
  it('decodes a UEFI PXE DHCPDISCOVER: header fields, MAC and the PXE options', () => {
    const p = decodeDhcpPacket(fixture('dhcp-discover-uefi-x64'));
    expect(p).toMatchObject({ op: 1, htype: 1, hlen: 6, xid: 0x2f0a9c41, flags: 0x8000, ciaddr: '0.0.0.0' });
    expect(clientMac(p)).toBe('52:54:00:12:34:56');
    expect(p.options.get(DhcpOption.MessageType)).toEqual(Buffer.from([1]));
    expect(p.options.get(DhcpOption.ClientArch)).toEqual(Buffer.from([0, 7]));
    expect(p.options.get(DhcpOption.VendorClass)?.toString()).toBe('PXEClient:Arch:00007:UNDI:003016');
    expect(p.options.get(DhcpOption.ClientGuid)?.length).toBe(17);
  });

  it('re-encodes a decoded request to the same header and options', () => {
    const original = fixture('dhcp-discover-ipxe');
    const again = decodeDhcpPacket(encodeDhcpPacket(decodeDhcpPacket(original)));
    const first = decodeDhcpPacket(original);
    expect(again).toEqual(first);
    expect(again.options.get(DhcpOption.UserClass)?.toString()).toBe('iPXE');
  });

  it('splits options longer than 255 bytes and joins them back (RFC 3396), padding to 300 bytes', () => {
    const p = decodeDhcpPacket(fixture('dhcp-discover-bios'));
    p.options.set(DhcpOption.BootFileName, Buffer.alloc(600, 0x61));
    const bytes = encodeDhcpPacket(p);
    expect(decodeDhcpPacket(bytes).options.get(DhcpOption.BootFileName)?.length).toBe(600);
    p.options = new Map([[DhcpOption.MessageType, Buffer.from([2])]]);
    expect(encodeDhcpPacket(p).length).toBe(300);
  });

  it('reads options carried in the file and sname fields when option 52 says so', () => {
    const p = decodeDhcpPacket(fixture('dhcp-discover-bios'));
    p.options = new Map([
      [DhcpOption.MessageType, Buffer.from([1])],
      [DhcpOption.Overload, Buffer.from([1])],
    ]);
    const bytes = encodeDhcpPacket(p);
    Buffer.from([DhcpOption.VendorClass, 9, ...Buffer.from('PXEClient'), 255]).copy(bytes, 108);
    const decoded = decodeDhcpPacket(bytes);
    expect(decoded.options.get(DhcpOption.VendorClass)?.toString()).toBe('PXEClient');
    expect(decoded.file).toBe('');
  });

  it.each([
    ['a truncated packet', (b: Buffer) => b.subarray(0, 200)],
    [
      'a packet without the magic cookie',
      (b: Buffer) => Buffer.concat([b.subarray(0, 236), Buffer.alloc(4), b.subarray(240)]),
    ],
    [
      'an option overrunning the packet',
      (b: Buffer) => Buffer.concat([b.subarray(0, 240), Buffer.from([60, 200, 0x50])]),
    ],
    ['options without End', (b: Buffer) => Buffer.concat([b.subarray(0, 240), Buffer.from([53, 1, 1])])],
    ['op 3', (b: Buffer) => Buffer.concat([Buffer.from([3]), b.subarray(1)])],
  ])('refuses %s', (_name, mangle) => {
    expect(() => decodeDhcpPacket(mangle(fixture('dhcp-discover-uefi-x64')))).toThrow(DhcpPacketError);
  });
});
