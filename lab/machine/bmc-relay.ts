/**
 * Gives a simulated BMC its own address. `ipmi_sim` listens on 127.0.0.1 only, so each virtual
 * server's BMC is a UDP relay on its own loopback address (`127.20.0.n:623`, as on a real BMC
 * network) in front of its ipmi_sim. The relay is also where the "BMC drops packets" fault lives:
 * a lossy management network, seen by ipmitool as timeouts and retries.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

/** Options of {@link startBmcRelay}. */
export interface BmcRelayOptions {
  /** Loopback address to listen on. */
  address: string;
  /** Port to listen on; 623 when free (the IPMI port), else the first free port. */
  port?: number;
  /** The ipmi_sim port on 127.0.0.1. */
  targetPort: number;
  /** Share of packets (either direction) dropped, 0..1. Read on every packet, so it can change live. */
  dropRate?: () => number;
  /** Random source for drops (tests make it deterministic). */
  random?: () => number;
}

/** A running relay. */
export interface BmcRelay {
  address: string;
  port: number;
  /** Packets dropped so far. */
  readonly dropped: number;
  close(): Promise<void>;
}

function bind(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/** Starts a relay; resolves once it listens. Thrown when `address` is not a loopback address. */
export async function startBmcRelay(options: BmcRelayOptions): Promise<BmcRelay> {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(options.address))
    throw new Error(`BMC relay: refusing non-loopback address ${options.address}`);
  const random = options.random ?? Math.random;
  const drop = (): boolean => random() < (options.dropRate?.() ?? 0);
  let dropped = 0;
  let closing: Promise<void> | undefined;
  let front = createSocket('udp4');
  try {
    await bind(front, options.port ?? 623, options.address);
  } catch (err) {
    if (options.port !== undefined) throw err;
    front.close();
    front = createSocket('udp4');
    await bind(front, 0, options.address);
  }
  // One upstream socket per client address, so ipmi_sim sees each client as a distinct peer.
  // ipmitool uses a new source port per run: upstreams idle for 30 s are closed.
  const upstreams = new Map<string, Socket>();
  const lastUsed = new Map<Socket, number>();
  const sweep = setInterval(() => {
    for (const [key, socket] of upstreams) {
      if (Date.now() - (lastUsed.get(socket) ?? 0) < 30_000) continue;
      upstreams.delete(key);
      lastUsed.delete(socket);
      socket.close();
    }
  }, 10_000);
  sweep.unref();
  const upstreamFor = async (client: RemoteInfo): Promise<Socket> => {
    const key = `${client.address}:${client.port}`;
    const existing = upstreams.get(key);
    if (existing) {
      lastUsed.set(existing, Date.now());
      return existing;
    }
    const socket = createSocket('udp4');
    upstreams.set(key, socket);
    lastUsed.set(socket, Date.now());
    socket.on('message', (reply) => {
      if (closing) return;
      if (drop()) dropped += 1;
      else front.send(reply, client.port, client.address);
    });
    socket.on('error', () => undefined);
    await bind(socket, 0, '127.0.0.1');
    return socket;
  };
  front.on('message', (packet, client) => {
    if (drop()) {
      dropped += 1;
      return;
    }
    void upstreamFor(client)
      .then((socket) => {
        if (!closing) socket.send(packet, options.targetPort, '127.0.0.1');
      })
      .catch(() => undefined); // the relay closed while the upstream socket was binding
  });
  front.on('error', () => undefined);
  const { port } = front.address();
  return {
    address: options.address,
    port,
    get dropped() {
      return dropped;
    },
    close: () =>
      (closing ??= (async () => {
        clearInterval(sweep);
        const all = [front, ...upstreams.values()];
        upstreams.clear();
        await Promise.all(all.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
      })()),
  };
}
