/**
 * A loopback TCP proxy that can be cut: the "agent loses the API" fault of the fault matrix
 * (`bench/chaos`). While cut, every open connection is reset and new ones are refused, as when a
 * site's uplink goes down; `restore()` listens again on the same port.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: where clients connect instead of the target. */
  readonly url: string;
  readonly port: number;
  /** True while cut. */
  readonly cut: boolean;
  /** Resets every connection and stops listening. */
  cutOff(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Starts a proxy on a free loopback port forwarding to `target` (`host:port` on loopback). */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  if (!target.host.startsWith('127.')) throw new Error(`tcp proxy: refusing non-loopback target ${target.host}`);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const makeServer = () =>
    createServer((client) => {
      const upstream = connect(target.port, target.host);
      track(client);
      track(upstream);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
  let server = makeServer();
  const port = await listen(server, 0);
  let cut = false;
  const cutOff = async (): Promise<void> => {
    if (cut) return;
    cut = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.resetAndDestroy();
    await closed;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get cut() {
      return cut;
    },
    cutOff,
    async restore() {
      if (!cut) return;
      server = makeServer();
      await listen(server, port);
      cut = false;
    },
    close: cutOff,
  };
}
