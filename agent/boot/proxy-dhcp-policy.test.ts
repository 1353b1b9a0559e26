import { describe, expect, it } from 'vitest';
import { hexFixture as fixture } from '../../test/fixtures/boot/load-fixture.js';
import { DhcpOption, decodeDhcpPacket } from './dhcp-packet.js';
import { decideProxyReply, inspectPxeRequest, type ProxyDhcpSettings } from './proxy-dhcp-policy.js';

const SETTINGS: ProxyDhcpSettings = { serverIp: '10.0.0.2', httpChainUrl: 'http://10.0.0.2:8080/ipxe' };
const decide = (name: string, settings = SETTINGS) => decideProxyReply(decodeDhcpPacket(fixture(name)), settings);

describe('proxyDHCP policy', () => {
  it('offers ipxe.efi to UEFI x86-64 firmware with no address, PXEClient, next-server and discovery control', () => {
    const d = decide('dhcp-discover-uefi-x64');
    if (!d.answer) throw new Error(d.reason);
    const r = d.reply;
    expect(r).toMatchObject({
      op: 2,
      xid: 0x2f0a9c41,
      yiaddr: '0.0.0.0',
      ciaddr: '0.0.0.0',
      siaddr: '10.0.0.2',
      file: 'ipxe.efi',
    });
    expect(r.flags).toBe(0x8000);
    expect(r.chaddr.subarray(0, 6).toString('hex')).toBe('525400123456');
    expect(r.options.get(DhcpOption.MessageType)).toEqual(Buffer.from([2]));
    expect(r.options.get(DhcpOption.ServerId)).toEqual(Buffer.from([10, 0, 0, 2]));
    expect(r.options.get(DhcpOption.VendorClass)?.toString()).toBe('PXEClient');
    expect(r.options.get(DhcpOption.VendorSpecific)).toEqual(Buffer.from([6, 1, 8, 255]));
    expect(r.options.get(DhcpOption.ClientGuid)?.length).toBe(17);
    expect(r.options.has(1)).toBe(false); // no subnet mask: this is not a lease
    expect(r.options.has(51)).toBe(false); // no lease time
  });

  it('offers undionly.kpxe to legacy BIOS firmware', () => {
    const d = decide('dhcp-discover-bios');
    expect(d.answer && d.bootFile).toBe('undionly.kpxe');
  });

  it('gives iPXE (user class "iPXE") the HTTP chain URL', () => {
    const d = decide('dhcp-discover-ipxe');
    expect(d.answer && d.reply.file).toBe('http://10.0.0.2:8080/ipxe');
    expect(d.answer && d.reply.options.get(DhcpOption.BootFileName)?.toString()).toBe('http://10.0.0.2:8080/ipxe');
  });

  it('acknowledges the PXE REQUEST on port 4011 with DHCPACK, keeping the client address', () => {
    const d = decide('dhcp-request-4011-uefi');
    if (!d.answer) throw new Error(d.reason);
    expect(d.reply.options.get(DhcpOption.MessageType)).toEqual(Buffer.from([5]));
    expect(d.reply).toMatchObject({ ciaddr: '10.0.0.57', yiaddr: '0.0.0.0', file: 'ipxe.efi' });
  });

  it('ignores clients that are not PXE clients', () => {
    expect(decide('dhcp-discover-not-pxe')).toEqual({ answer: false, reason: 'not a PXE client request' });
  });

  it('ignores a REQUEST addressed to the site DHCP server and architectures it has no binary for', () => {
    const req = decodeDhcpPacket(fixture('dhcp-request-4011-uefi'));
    req.options.set(DhcpOption.ServerId, Buffer.from([10, 0, 0, 1]));
    expect(decideProxyReply(req, SETTINGS)).toMatchObject({
      answer: false,
      reason: 'request addressed to another DHCP server',
    });
    const arm = decodeDhcpPacket(fixture('dhcp-discover-uefi-x64'));
    arm.options.set(DhcpOption.ClientArch, Buffer.from([0, 11]));
    expect(decideProxyReply(arm, SETTINGS)).toMatchObject({
      answer: false,
      reason: 'no boot file for architecture 11',
    });
  });

  it('falls back to the architecture in the vendor class when option 93 is missing', () => {
    const req = decodeDhcpPacket(fixture('dhcp-discover-bios'));
    req.options.delete(DhcpOption.ClientArch);
    expect(inspectPxeRequest(req)).toMatchObject({ arch: 0, isIpxe: false, mac: '52:54:00:aa:bb:01' });
  });
});
