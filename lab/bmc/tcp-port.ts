/** TCP port probes on one loopback address, for BMCs that want their protocol's port when it is free. */
import { createServer } from 'node:net';

/** True when nothing listens on `address:port` (TCP) right now. */
export function tcpPortFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, address, () => server.close(() => resolve(true)));
  });
}

/** A TCP port free on `address` right now (the kernel's pick). */
export function freeTcpPort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const bound = server.address();
      server.close(() => (bound && typeof bound !== 'string' ? resolve(bound.port) : reject(new Error('no port'))));
    });
  });
}
