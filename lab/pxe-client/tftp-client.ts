/**
 * A minimal TFTP client (RFC 1350 + RFC 2347/2348/2349 options) playing the PXE firmware's part:
 * it reads one file in octet mode. Written independently of the agent's server codec so a shared
 * bug cannot hide. `dropAck` injects lost ACKs to exercise the server's retransmission.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';

export interface TftpGetOptions {
  readonly host: string;
  readonly port: number;
  readonly filename: string;
  /** Requested block size (RFC 2348); omitted: classic 512-byte blocks without options. */
  readonly blksize?: number;
  /** Ask the server for the transfer size (RFC 2349). */
  readonly tsize?: boolean;
  /** Client-side wait for the next packet before resending its last one (default 1000 ms). */
  readonly timeoutMs?: number;
  readonly retries?: number;
  /** Return `true` to "lose" the ACK of a block (called once per received DATA). */
  readonly dropAck?: (block: number) => boolean;
}

export interface TftpGetResult {
  readonly data: Buffer;
  /** Options the server acknowledged (empty when it answered with DATA 1 directly). */
  readonly acceptedOptions: Record<string, string>;
  /** DATA packets received again for a block already received (server retransmissions). */
  readonly duplicateBlocks: number;
}

/** Thrown when the server answers with an ERROR packet or stops answering. */
export class TftpClientError extends Error {
  constructor(
    message: string,
    readonly tftpCode?: number,
  ) {
    super(message);
    this.name = 'TftpClientError';
  }
}

const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const zstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'latin1');

/** Downloads one file. Thrown on an ERROR packet or timeout: `TftpClientError`. */
export async function tftpGet(opts: TftpGetOptions): Promise<TftpGetResult> {
  const options: Record<string, string> = {};
  if (opts.blksize !== undefined) options['blksize'] = String(opts.blksize);
  if (opts.tsize) options['tsize'] = '0';
  const rrq = Buffer.concat([u16(1), zstr(opts.filename), zstr('octet'), ...Object.entries(options).flat().map(zstr)]);
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const timeoutMs = opts.timeoutMs ?? 1000;
  const retries = opts.retries ?? 5;

  try {
    return await new Promise<TftpGetResult>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let server: { address: string; port: number } | undefined;
      let blksize = 512;
      let accepted: Record<string, string> = {};
      let expected = 1;
      let duplicates = 0;
      let last: Buffer = rrq;
      let lastTo = { address: opts.host, port: opts.port };
      let attempts = 0;
      let timer: NodeJS.Timeout | undefined;

      const send = (packet: Buffer | null): void => {
        if (packet !== null) {
          last = packet;
          socket.send(packet, lastTo.port, lastTo.address);
        }
        attempts = 0;
        arm();
      };
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          if (++attempts > retries) return reject(new TftpClientError(`timeout waiting for block ${expected}`));
          socket.send(last, lastTo.port, lastTo.address);
          arm();
        }, timeoutMs);
      };
      const done = (result: TftpGetResult | Error): void => {
        clearTimeout(timer);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };

      socket.on('message', (msg, rinfo) => {
        if (msg.length < 4) return;
        if (server === undefined) {
          server = { address: rinfo.address, port: rinfo.port };
          lastTo = server;
        } else if (rinfo.port !== server.port || rinfo.address !== server.address) {
          return; // another TID: not ours
        }
        const op = msg.readUInt16BE(0);
        if (op === 5) {
          const message = msg.subarray(4).toString('latin1').replace(/\0.*$/s, '');
          return done(new TftpClientError(`TFTP error ${msg.readUInt16BE(2)}: ${message}`, msg.readUInt16BE(2)));
        }
        if (op === 6 && expected === 1 && chunks.length === 0) {
          const fields = msg.subarray(2).toString('latin1').split('\0').slice(0, -1);
          accepted = {};
          for (let i = 0; i + 1 < fields.length; i += 2)
            accepted[(fields[i] ?? '').toLowerCase()] = fields[i + 1] ?? '';
          blksize = Number(accepted['blksize'] ?? 512);
          return send(Buffer.concat([u16(4), u16(0)]));
        }
        if (op !== 3) return done(new TftpClientError(`unexpected opcode ${op}`));
        const block = msg.readUInt16BE(2);
        if (block === ((expected - 1) & 0xffff) && expected > 1) {
          duplicates++;
          send(Buffer.concat([u16(4), u16(block)]));
          if (msg.length - 4 < blksize)
            done({ data: Buffer.concat(chunks), acceptedOptions: accepted, duplicateBlocks: duplicates });
          return;
        }
        if (block !== (expected & 0xffff)) return;
        const data = msg.subarray(4);
        chunks.push(Buffer.from(data));
        expected++;
        const ack = Buffer.concat([u16(4), u16(block)]);
        if (opts.dropAck?.(block)) {
          last = ack; // lost on the wire: the server has to retransmit DATA
          return arm();
        }
        send(ack);
        if (data.length < blksize) {
          done({ data: Buffer.concat(chunks), acceptedOptions: accepted, duplicateBlocks: duplicates });
        }
      });
      send(rrq);
    });
  } finally {
    socket.close();
  }
}
