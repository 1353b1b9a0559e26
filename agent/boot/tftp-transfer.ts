/**
 * One TFTP read transfer (RFC 1350 lock-step, RFC 2347 OACK), on its own socket (its TID):
 * send a block, wait for its ACK, retransmit the last packet on timeout, give up after a bounded
 * number of retries. Duplicate ACKs are ignored rather than answered (the "Sorcerer's Apprentice"
 * bug, RFC 1123 §4.2.3.1).
 */
import type { Socket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import type { Logger } from '../../shared/logger.js';
import { TftpErrorCode, decodeTftpPacket, encodeTftpData, encodeTftpError, encodeTftpOack } from './tftp-packets.js';

export interface ReadTransferOptions {
  readonly socket: Socket;
  readonly file: FileHandle;
  readonly peer: { address: string; port: number };
  readonly blksize: number;
  readonly timeoutMs: number;
  readonly retries: number;
  /** Options to acknowledge with an OACK before block 1 (empty: start with block 1). */
  readonly oack: Record<string, string>;
  readonly logger: Logger;
  /** Aborts the transfer (server shutting down). */
  readonly signal?: AbortSignal;
}

/** Outcome of a transfer, for logs and tests. */
export interface TransferResult {
  readonly ok: boolean;
  readonly bytes: number;
  readonly blocks: number;
  readonly retransmits: number;
  readonly reason?: string;
}

/** Runs a read transfer to completion; resolves when it finished, failed or timed out (never rejects). */
export function runReadTransfer(opts: ReadTransferOptions): Promise<TransferResult> {
  const { socket, file, peer, blksize, timeoutMs, retries, logger } = opts;
  return new Promise((resolve) => {
    let block = 0; // the block (0 = OACK) whose ACK we await
    let lastPacket: Buffer = Buffer.alloc(0);
    let lastWasFinal = false;
    let bytes = 0;
    let retransmits = 0;
    let attempts = 0;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;

    const finish = (ok: boolean, reason?: string): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.removeAllListeners('message');
      resolve({ ok, bytes, blocks: block, retransmits, reason });
    };
    const send = (packet: Buffer): void => {
      if (finished) return;
      lastPacket = packet;
      attempts = 0;
      socket.send(packet, peer.port, peer.address);
      arm();
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (++attempts > retries) return finish(false, `no ACK for block ${block} after ${retries} retransmits`);
        retransmits++;
        logger.debug({ block, attempt: attempts }, 'tftp retransmit');
        socket.send(lastPacket, peer.port, peer.address);
        arm();
      }, timeoutMs);
    };
    const sendBlock = async (): Promise<void> => {
      block++;
      const data = Buffer.alloc(blksize);
      const { bytesRead } = await file.read(data, 0, blksize, (block - 1) * blksize);
      bytes += bytesRead;
      lastWasFinal = bytesRead < blksize;
      if (!finished) send(encodeTftpData(block, data.subarray(0, bytesRead)));
    };
    const fail = (err: unknown): void => {
      logger.error({ err }, 'tftp read failed');
      socket.send(encodeTftpError(TftpErrorCode.NotDefined, 'read error'), peer.port, peer.address);
      finish(false, 'read error');
    };

    socket.on('message', (msg, rinfo) => {
      if (finished) return;
      if (rinfo.address !== peer.address || rinfo.port !== peer.port) {
        socket.send(encodeTftpError(TftpErrorCode.UnknownTransferId, 'unknown transfer ID'), rinfo.port, rinfo.address);
        return;
      }
      let packet;
      try {
        packet = decodeTftpPacket(msg);
      } catch {
        return; // a corrupt datagram is treated like a lost one: the timer retransmits
      }
      if (packet.op === 'error') return finish(false, `client error ${packet.code}: ${packet.message}`);
      if (packet.op !== 'ack') {
        socket.send(encodeTftpError(TftpErrorCode.IllegalOperation, 'expected ACK'), peer.port, peer.address);
        return finish(false, `unexpected ${packet.op}`);
      }
      if (packet.block !== (block & 0xffff)) return; // duplicate or stale ACK: ignore
      clearTimeout(timer);
      if (block > 0 && lastWasFinal) return finish(true);
      sendBlock().catch(fail);
    });

    if (opts.signal?.aborted) return finish(false, 'aborted');
    opts.signal?.addEventListener('abort', () => finish(false, 'aborted'), { once: true });
    if (Object.keys(opts.oack).length > 0) send(encodeTftpOack(opts.oack));
    else sendBlock().catch(fail);
  });
}
