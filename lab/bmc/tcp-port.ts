/** TCP port probe on one loopback address, for BMCs that want their protocol's port when it is free. */
import { createServer } from 'node:net';

/** True when nothing listens on `address:port` (TCP) right now. */
export function tcpPortFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, address, () => server.close(() => resolve(true)));
  });
}
