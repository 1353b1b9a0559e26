import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DhcpOption, decodeDhcpPacket } from '../../../agent/boot/dhcp-packet.js';
import type { PxeClient } from '../../../agent/boot/proxy-dhcp-policy.js';
import { startProxyDhcp, type RunningProxyDhcp } from '../../../agent/boot/proxy-dhcp.js';
import { pxeDhcpExchange } from '../../../lab/pxe-client/dhcp-client.js';
import { hexFixture } from '../../fixtures/boot/load-fixture.js';
import { memoryLogger } from './boot-harness.js';

let proxy: RunningProxyDhcp;
const replies: { client: PxeClient; bootFile: string; to: { address: string; port: number } }[] = [];
const { logger, lines } = memoryLogger('proxy-dhcp-test');

beforeAll(async () => {
  proxy = await startProxyDhcp({
    host: '127.0.0.1',
    port: 0,
    serverIp: '127.0.0.1',
    httpChainUrl: 'http://127.0.0.1:8080/ipxe',
    logger,
    onReply: (client, bootFile, to) => replies.push({ client, bootFile, to }),
  });
});
afterAll(async () => {
  await proxy.close();
});

const ask = (mac: string, arch: number, extra: { ipxe?: boolean; messageType?: 'discover' | 'request' } = {}) =>
  pxeDhcpExchange({ host: '127.0.0.1', port: proxy.port, mac, arch, timeoutMs: 1500, ...extra });

describe('proxyDHCP on loopback', () => {
  it('offers ipxe.efi to a UEFI PXE client with no address, and answers it on loopback', async () => {
    const offer = await ask('52:54:00:00:01:01', 7);
    expect(offer).toMatchObject({ messageType: 2, yiaddr: '0.0.0.0', nextServer: '127.0.0.1', bootFile: 'ipxe.efi' });
    expect(offer.serverId).toBe('127.0.0.1');
    expect(offer.vendorClass).toBe('PXEClient');
    expect(replies.at(-1)).toMatchObject({
      client: { mac: '52:54:00:00:01:01', arch: 7 },
      to: { address: '127.0.0.1' },
    });
  });

  it('offers undionly.kpxe to BIOS, ipxe.efi to EFI x86-64 and the chain URL to iPXE', async () => {
    expect((await ask('52:54:00:00:01:02', 0)).bootFile).toBe('undionly.kpxe');
    expect((await ask('52:54:00:00:01:03', 9)).bootFile).toBe('ipxe.efi');
    expect((await ask('52:54:00:00:01:03', 9, { ipxe: true })).bootFile).toBe('http://127.0.0.1:8080/ipxe');
  });

  it('acknowledges a PXE DHCPREQUEST (the port-4011 step) with DHCPACK', async () => {
    const ack = await ask('52:54:00:00:01:04', 7, { messageType: 'request' });
    expect(ack).toMatchObject({ messageType: 5, bootFile: 'ipxe.efi', yiaddr: '0.0.0.0' });
  });

  it('answers the recorded UEFI DISCOVER fixture byte for byte as a proxy offer', async () => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    socket.send(hexFixture('dhcp-discover-uefi-x64'), proxy.port, '127.0.0.1');
    const [msg] = (await once(socket, 'message')) as [Buffer];
    socket.close();
    const reply = decodeDhcpPacket(msg);
    expect(reply).toMatchObject({ op: 2, xid: 0x2f0a9c41, yiaddr: '0.0.0.0', file: 'ipxe.efi' });
    expect(reply.options.get(DhcpOption.ClientGuid)?.toString('hex')).toBe('004c4c4544004a3010804cb4c04f574d32');
  });

  it('stays silent for an ordinary DHCP client and for garbage', async () => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    let answered = false;
    socket.on('message', () => (answered = true));
    socket.send(hexFixture('dhcp-discover-not-pxe'), proxy.port, '127.0.0.1');
    socket.send(Buffer.from('not dhcp at all'), proxy.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 400));
    socket.close();
    expect(answered).toBe(false);
  });

  it('logs each answer with MAC, architecture and boot file', () => {
    const answered = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['msg'] === 'proxyDHCP answered');
    expect(answered.length).toBeGreaterThanOrEqual(5);
    expect(answered[0]).toMatchObject({ mac: '52:54:00:00:01:01', arch: 7, bootFile: 'ipxe.efi' });
  });
});
