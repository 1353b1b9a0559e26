import { createSocket } from 'node:dgram';
import { readdir, readFile, readlink } from 'node:fs/promises';

/** UDP helpers of the lab: a free loopback port, an RMCP presence ping, and who owns a port. */

/** Returns a UDP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * Sends an ASF/RMCP presence ping (DMTF DSP0136: RMCP class 0x06, ASF IANA 4542, message type 0x80)
 * and resolves true when a pong (type 0x40) comes back within `timeoutMs`. Every IPMI-over-LAN BMC,
 * ipmi_sim included, answers it without a session: a cheap "is it listening yet".
 */
export async function rmcpPing(host: string, port: number, timeoutMs = 300): Promise<boolean> {
  const socket = createSocket('udp4');
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      socket.on('message', (msg) => {
        if (msg.length >= 9 && msg[0] === 0x06 && msg[3] === 0x06 && msg[8] === 0x40) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      socket.on('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      const ping = Buffer.from([0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, 0x01, 0x00, 0x00]);
      socket.send(ping, port, host);
    });
  } finally {
    socket.close();
  }
}

/** Socket inodes bound to UDP `port` on 127.0.0.1 or on every address (Linux `/proc/net/udp`). */
export async function udpPortSockets(port: number): Promise<Set<string>> {
  const table = await readFile('/proc/net/udp', 'utf8');
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const locals = new Set([`0100007F:${hexPort}`, `00000000:${hexPort}`]);
  return new Set(
    table
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => locals.has(cols[1] ?? '') && cols[9] !== undefined)
      .map((cols) => cols[9] as string),
  );
}

/**
 * True when process `pid` is the only one with a UDP socket on 127.0.0.1:`port`. ipmi_sim starts
 * quietly even when another process has the port (it sets SO_REUSEADDR), and then the two share
 * the traffic, so the harness checks the port is its own alone.
 */
export async function processOwnsUdpPortAlone(pid: number, port: number): Promise<boolean> {
  const sockets = await udpPortSockets(port);
  if (sockets.size === 0) return false;
  const own = new Set<string>();
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined && sockets.has(inode)) own.add(inode);
  }
  return own.size > 0 && own.size === sockets.size;
}
