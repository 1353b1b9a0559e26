import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTftpPacket, encodeTftpRequest } from '../../../agent/boot/tftp-packets.js';
import { startTftpServer, type RunningTftpServer } from '../../../agent/boot/tftp-server.js';
import { TftpClientError, tftpGet } from '../../../lab/pxe-client/tftp-client.js';
import { memoryLogger } from './boot-harness.js';
import { makeTftpRoot, type TftpRoot } from './tftp-fixtures.js';

let root: TftpRoot;
let server: RunningTftpServer;
const { logger, lines } = memoryLogger('tftp-test');

beforeAll(async () => {
  root = await makeTftpRoot();
  server = await startTftpServer({ root: root.root, host: '127.0.0.1', port: 0, timeoutMs: 150, retries: 4, logger });
});
afterAll(async () => {
  await server.close();
  await root.cleanup();
});

const get = (filename: string, extra: Partial<Parameters<typeof tftpGet>[0]> = {}) =>
  tftpGet({ host: '127.0.0.1', port: server.port, filename, timeoutMs: 500, ...extra });

/** Sends one raw request from a fresh socket and returns the first decoded answer. */
async function rawRequest(packet: Buffer) {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  try {
    socket.send(packet, server.port, '127.0.0.1');
    const [msg] = (await once(socket, 'message')) as [Buffer];
    return decodeTftpPacket(msg);
  } finally {
    socket.close();
  }
}

describe('TFTP server', () => {
  it('serves ipxe.efi byte-identical with a negotiated 1468-byte block size and tsize', async () => {
    const expected = await readFile(join(root.root, 'ipxe.efi'));
    const result = await get('ipxe.efi', { blksize: 1468, tsize: true });
    expect(result.acceptedOptions).toEqual({ blksize: '1468', tsize: String(expected.length) });
    expect(result.data.equals(expected)).toBe(true);
  });

  it('serves undionly.kpxe with classic 512-byte blocks when the client sends no options', async () => {
    const expected = await readFile(join(root.root, 'undionly.kpxe'));
    const result = await get('/undionly.kpxe');
    expect(result.acceptedOptions).toEqual({});
    expect(result.data.equals(expected)).toBe(true);
  });

  it('grants large block sizes on loopback and clamps beyond the RFC 2348 maximum', async () => {
    const expected = await readFile(join(root.root, 'ipxe.efi'));
    const result = await get('ipxe.efi', { blksize: 70000 });
    expect(result.acceptedOptions['blksize']).toBe('65464');
    expect(result.data.equals(expected)).toBe(true);
  });

  it('ends a file whose size is a multiple of the block size with an empty block, and serves empty files', async () => {
    expect((await get('exact-512x3.bin')).data.length).toBe(1536);
    expect((await get('empty.bin')).data.length).toBe(0);
    expect((await get('sub/nested.bin', { blksize: 1024 })).data).toEqual(
      await readFile(join(root.root, 'sub', 'nested.bin')),
    );
  });

  it('retransmits a block whose ACK was lost and still delivers the file intact', async () => {
    const expected = await readFile(join(root.root, 'undionly.kpxe'));
    const dropped = new Set<number>();
    const result = await get('undionly.kpxe', {
      blksize: 1024,
      dropAck: (block) => (block === 3 || block === 10) && !dropped.has(block) && dropped.add(block) !== undefined,
    });
    expect(dropped).toEqual(new Set([3, 10]));
    expect(result.duplicateBlocks).toBe(2);
    expect(result.data.equals(expected)).toBe(true);
  });

  it('refuses a write request with an access-violation error', async () => {
    const answer = await rawRequest(encodeTftpRequest('wrq', 'ipxe.efi', 'octet'));
    expect(answer).toMatchObject({ op: 'error', code: 2 });
  });

  it.each(['../secret.txt', '/../secret.txt', 'sub/../../secret.txt', 'escape-link', 'sub\\..\\..\\secret.txt'])(
    'refuses the path %s that leaves the root with an access-violation error',
    async (filename) => {
      await expect(get(filename)).rejects.toMatchObject({ tftpCode: 2 });
    },
  );

  it('answers file-not-found for a missing file and for a directory', async () => {
    await expect(get('missing.efi')).rejects.toMatchObject({ tftpCode: 1 });
    const dir = get('sub');
    await expect(dir).rejects.toBeInstanceOf(TftpClientError);
  });

  it('refuses netascii mode and malformed requests', async () => {
    expect(await rawRequest(encodeTftpRequest('rrq', 'ipxe.efi', 'netascii'))).toMatchObject({ op: 'error', code: 4 });
    expect(await rawRequest(Buffer.from([0, 1, 0x61]))).toMatchObject({ op: 'error', code: 4 });
  });

  it('abandons a transfer after its retries when the client disappears, freeing the transfer', async () => {
    const answer = await rawRequest(encodeTftpRequest('rrq', 'ipxe.efi', 'octet'));
    expect(answer).toMatchObject({ op: 'data', block: 1 });
    expect(server.activeTransfers()).toBe(1);
    await new Promise((r) => setTimeout(r, 150 * 6 + 200));
    expect(server.activeTransfers()).toBe(0);
    expect(lines.some((l) => l.includes('no ACK for block 1 after 4 retransmits'))).toBe(true);
  });
});
