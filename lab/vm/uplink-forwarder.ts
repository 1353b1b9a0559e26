/**
 * Runs inside the VM lab's provisioning namespace: listens on the namespace's 127.0.0.1 and pipes
 * every connection to a Unix socket on the host's filesystem (Unix sockets are not confined by
 * network namespaces), behind which `api-uplink.ts` reaches the host's API on its loopback.
 *
 * Usage: uplink-forwarder <unix-socket-path>. Prints `listening <port>` once bound; exits when its
 * stdin closes, so it never outlives the process that started it.
 */
import { connect, createServer } from 'node:net';

const socketPath = process.argv[2];
if (!socketPath) {
  process.stderr.write('usage: uplink-forwarder <unix-socket-path>\n');
  process.exit(2);
}

const server = createServer((inbound) => {
  const outbound = connect(socketPath);
  inbound.pipe(outbound).pipe(inbound);
  const close = (): void => {
    inbound.destroy();
    outbound.destroy();
  };
  inbound.on('error', close);
  outbound.on('error', close);
  inbound.on('close', close);
  outbound.on('close', close);
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') process.exit(1);
  process.stdout.write(`listening ${address.port}\n`);
});

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
