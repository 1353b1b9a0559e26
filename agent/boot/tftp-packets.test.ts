import { describe, expect, it } from 'vitest';
import {
  TftpPacketError,
  decodeTftpPacket,
  encodeTftpAck,
  encodeTftpData,
  encodeTftpError,
  encodeTftpOack,
  encodeTftpRequest,
} from './tftp-packets.js';
import { negotiate } from './tftp-server.js';

describe('TFTP packet codec', () => {
  it('decodes an RRQ as PXE firmware sends it, lowercasing mode and option names', () => {
    const bytes = Buffer.from('\x00\x01undionly.kpxe\x00OCTET\x00TSIZE\x000\x00BlkSize\x001456\x00', 'latin1');
    expect(decodeTftpPacket(bytes)).toEqual({
      op: 'rrq',
      filename: 'undionly.kpxe',
      mode: 'octet',
      options: { tsize: '0', blksize: '1456' },
    });
  });

  it('encodes DATA, ACK, OACK and ERROR with the RFC 1350/2347 layouts', () => {
    expect(encodeTftpData(1, Buffer.from('ab'))).toEqual(Buffer.from([0, 3, 0, 1, 0x61, 0x62]));
    expect(encodeTftpData(65536 + 5, Buffer.alloc(0))).toEqual(Buffer.from([0, 3, 0, 5]));
    expect(encodeTftpAck(258)).toEqual(Buffer.from([0, 4, 1, 2]));
    expect(encodeTftpOack({ blksize: '1468' })).toEqual(Buffer.from('\x00\x06blksize\x001468\x00', 'latin1'));
    expect(encodeTftpError(2, 'no\nway')).toEqual(Buffer.from('\x00\x05\x00\x02no?way\x00', 'latin1'));
  });

  it('round-trips every packet kind', () => {
    const packets = [
      encodeTftpRequest('wrq', 'x.bin', 'octet', { blksize: '512' }),
      encodeTftpData(7, Buffer.from([1, 2, 3])),
      encodeTftpAck(9),
      encodeTftpError(1, 'file not found'),
      encodeTftpOack({ tsize: '10' }),
    ];
    expect(packets.map((p) => decodeTftpPacket(p).op)).toEqual(['wrq', 'data', 'ack', 'error', 'oack']);
    expect(decodeTftpPacket(packets[3] ?? Buffer.alloc(0))).toEqual({
      op: 'error',
      code: 1,
      message: 'file not found',
    });
  });

  it.each([
    ['a 3-byte datagram', Buffer.from([0, 1, 0])],
    ['an unknown opcode', Buffer.from([0, 9, 0, 0])],
    ['an unterminated filename', Buffer.from('\x00\x01file\x00octet', 'latin1')],
    ['an option without value', Buffer.from('\x00\x01f\x00octet\x00blksize\x00', 'latin1')],
    ['an ACK with trailing bytes', Buffer.from([0, 4, 0, 1, 9])],
    ['an empty filename', Buffer.from('\x00\x01\x00octet\x00', 'latin1')],
  ])('refuses %s', (_name, bytes) => {
    expect(() => decodeTftpPacket(bytes)).toThrow(TftpPacketError);
  });
});

describe('TFTP option negotiation', () => {
  it('grants blksize up to the configured maximum and reports tsize when asked with 0', () => {
    expect(negotiate({ blksize: '1468', tsize: '0' }, 1000, {})).toEqual({
      oack: { blksize: '1468', tsize: '1000' },
      blksize: 1468,
      timeoutMs: 1000,
    });
    expect(negotiate({ blksize: '9000' }, 1, { maxBlksize: 1468 }).blksize).toBe(1468);
    expect(negotiate({ blksize: '99999' }, 1, {}).blksize).toBe(65464);
  });

  it('accepts a 1-255 s timeout and ignores invalid or unknown options', () => {
    expect(negotiate({ timeout: '3' }, 1, {})).toEqual({ oack: { timeout: '3' }, blksize: 512, timeoutMs: 3000 });
    expect(negotiate({ blksize: '4', timeout: '0', tsize: '12', windowsize: '8', multicast: '' }, 1, {})).toEqual({
      oack: {},
      blksize: 512,
      timeoutMs: 1000,
    });
    expect(negotiate({ blksize: '-1' }, 1, {}).oack).toEqual({});
  });
});
