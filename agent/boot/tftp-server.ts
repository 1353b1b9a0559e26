/**
 * Read-only TFTP server for the iPXE binaries (`ipxe.efi`, `undionly.kpxe`) PXE firmware loads.
 * RRQ in octet mode only; WRQ is refused; options blksize (RFC 2348), tsize and timeout (RFC 2349);
 * every transfer on its own port; files only from inside the root directory.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Logger } from '../../shared/logger.js';
import { TftpErrorCode, decodeTftpPacket, encodeTftpError } from './tftp-packets.js';
import { runReadTransfer } from './tftp-transfer.js';

export interface TftpServerOptions {
  /** Directory whose regular files are served. */
  readonly root: string;
  readonly host: string;
  /** 69 in production; 0 picks a free port. */
  readonly port: number;
  /** Retransmit timeout unless the client negotiates `timeout` (default 1000 ms). */
  readonly timeoutMs?: number;
  /** Retransmits of one packet before the transfer is abandoned (default 5). */
  readonly retries?: number;
  /** Largest block size granted (default 65464, the RFC 2348 maximum). */
  readonly maxBlksize?: number;
  /** Simultaneous transfers; further requests get an error (default 64). */
  readonly maxTransfers?: number;
  readonly logger: Logger;
}

export interface RunningTftpServer {
  readonly port: number;
  /** Transfers currently running. */
  readonly activeTransfers: () => number;
  close(): Promise<void>;
}

/** Thrown by `resolveInRoot` when a requested path leaves the root. */
class PathRefused extends Error {}

/**
 * Returns the real path of `filename` inside `root`, or throws `PathRefused` for absolute-after-
 * stripping, `..`, backslash or NUL paths and for symlinks pointing outside the root.
 */
export async function resolveInRoot(root: string, filename: string): Promise<string> {
  const rel = filename.replace(/^\/+/, '');
  if (rel === '' || /[\\\0]/.test(rel) || rel.split('/').some((s) => s === '..') || isAbsolute(rel)) {
    throw new PathRefused(filename);
  }
  const realRoot = await realpath(root);
  const candidate = resolve(realRoot, rel);
  const real = await realpath(candidate); // ENOENT propagates as "file not found"
  const fromRoot = relative(realRoot, real);
  if (fromRoot === '' || fromRoot.startsWith(`..${sep}`) || fromRoot === '..' || isAbsolute(fromRoot)) {
    throw new PathRefused(filename);
  }
  return real;
}

/** Starts the TFTP server. */
export async function startTftpServer(options: TftpServerOptions): Promise<RunningTftpServer> {
  const { logger } = options;
  const transferSockets = new Set<Socket>();
  const shutdown = new AbortController();
  const server = createSocket('udp4');
  let closing = false;
  const refuse = (code: number, message: string, port: number, address: string): void => {
    if (!closing) server.send(encodeTftpError(code, message), port, address);
  };

  server.on('message', (msg, rinfo) => {
    let packet;
    try {
      packet = decodeTftpPacket(msg);
    } catch {
      return refuse(TftpErrorCode.IllegalOperation, 'malformed request', rinfo.port, rinfo.address);
    }
    if (packet.op === 'wrq') {
      logger.warn({ peer: rinfo.address, file: packet.filename.slice(0, 100) }, 'tftp write refused');
      return refuse(TftpErrorCode.AccessViolation, 'read-only server', rinfo.port, rinfo.address);
    }
    if (packet.op !== 'rrq') return refuse(TftpErrorCode.IllegalOperation, 'expected RRQ', rinfo.port, rinfo.address);
    if (packet.mode !== 'octet') {
      return refuse(TftpErrorCode.IllegalOperation, 'only octet mode is supported', rinfo.port, rinfo.address);
    }
    if (transferSockets.size >= (options.maxTransfers ?? 64)) {
      return refuse(TftpErrorCode.NotDefined, 'server busy', rinfo.port, rinfo.address);
    }
    serveRead(packet.filename, packet.options, { address: rinfo.address, port: rinfo.port }).catch((err: unknown) => {
      logger.error({ err, peer: rinfo.address }, 'tftp transfer could not start');
      refuse(TftpErrorCode.NotDefined, 'server error', rinfo.port, rinfo.address);
    });
  });

  async function serveRead(
    filename: string,
    requested: Record<string, string>,
    peer: { address: string; port: number },
  ) {
    const log = logger.child({ peer: `${peer.address}:${peer.port}`, file: filename.slice(0, 100) });
    let path: string;
    try {
      path = await resolveInRoot(options.root, filename);
      if (!(await stat(path)).isFile()) throw new PathRefused(filename);
    } catch (err) {
      const traversal = err instanceof PathRefused;
      log.warn({ traversal }, traversal ? 'tftp path refused' : 'tftp file not found');
      const code = traversal ? TftpErrorCode.AccessViolation : TftpErrorCode.FileNotFound;
      return refuse(code, traversal ? 'access violation' : 'file not found', peer.port, peer.address);
    }
    const file = await open(path, 'r');
    const socket = createSocket('udp4');
    transferSockets.add(socket);
    try {
      socket.bind(0, options.host);
      await once(socket, 'listening');
      const size = (await file.stat()).size;
      const { oack, blksize, timeoutMs } = negotiate(requested, size, options);
      const started = performance.now();
      log.info({ size, blksize, options: oack }, 'tftp transfer started');
      const result = await runReadTransfer({
        socket,
        file,
        peer,
        blksize,
        timeoutMs,
        retries: options.retries ?? 5,
        oack,
        logger: log,
        signal: shutdown.signal,
      });
      const ms = Math.round(performance.now() - started);
      if (result.ok) log.info({ ...result, ms }, 'tftp transfer done');
      else log.warn({ ...result, ms }, 'tftp transfer failed');
    } finally {
      transferSockets.delete(socket);
      socket.close();
      await file.close();
    }
  }

  server.bind(options.port, options.host);
  await once(server, 'listening');
  const port = server.address().port;
  logger.info({ host: options.host, port, root: options.root }, 'tftp server listening');
  return {
    port,
    activeTransfers: () => transferSockets.size,
    close: async () => {
      closing = true;
      shutdown.abort();
      while (transferSockets.size > 0) await new Promise((r) => setImmediate(r));
      const closed = once(server, 'close');
      server.close();
      await closed;
    },
  };
}

/** Applies RFC 2348/2349 options: returns what to OACK and the transfer's block size and timeout. */
export function negotiate(
  requested: Record<string, string>,
  size: number,
  limits: { maxBlksize?: number; timeoutMs?: number },
): { oack: Record<string, string>; blksize: number; timeoutMs: number } {
  const oack: Record<string, string> = {};
  let blksize = 512;
  let timeoutMs = limits.timeoutMs ?? 1000;
  const wantedBlksize = parseDecimal(requested['blksize']);
  if (wantedBlksize !== null && wantedBlksize >= 8) {
    blksize = Math.min(wantedBlksize, limits.maxBlksize ?? 65464, 65464);
    oack['blksize'] = String(blksize);
  }
  if (requested['tsize'] !== undefined && parseDecimal(requested['tsize']) === 0) oack['tsize'] = String(size);
  const wantedTimeout = parseDecimal(requested['timeout']);
  if (wantedTimeout !== null && wantedTimeout >= 1 && wantedTimeout <= 255) {
    timeoutMs = wantedTimeout * 1000;
    oack['timeout'] = String(wantedTimeout);
  }
  return { oack, blksize, timeoutMs };
}

function parseDecimal(value: string | undefined): number | null {
  return value !== undefined && /^\d{1,6}$/.test(value) ? Number(value) : null;
}
