/**
 * The VM lab's uplink from its provisioning namespace to a TCP port on the host's loopback (the
 * API): a real site's agent reaches the control plane over a routed network; the lab's agent has no
 * route out of its namespace by design, so it reaches the API over a Unix socket instead. Host side:
 * a Unix-socket server that pipes each connection to `127.0.0.1:<hostPort>`. Namespace side:
 * `uplink-forwarder.ts`, listening on the namespace's own 127.0.0.1. No address but loopback is
 * ever used on either side.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A running uplink. */
export interface ApiUplink {
  /** The port the forwarder listens on inside the namespace. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`: the host's API as the namespace sees it. */
  readonly url: string;
  /** The forwarder's PID. */
  readonly pid: number;
  /** Stops the forwarder and the socket server. Idempotent. */
  close(): Promise<void>;
}

const FORWARDER = fileURLToPath(new URL('./uplink-forwarder.ts', import.meta.url));

/** Starts an uplink to `127.0.0.1:hostPort`; `nsExec` wraps the forwarder's argv into the namespace. */
export async function startApiUplink(options: {
  hostPort: number;
  /** Directory for the socket and the forwarder's log. */
  dir: string;
  nsExec: (argv: string[]) => string[];
  readyTimeoutMs?: number;
}): Promise<ApiUplink> {
  if (!Number.isInteger(options.hostPort) || options.hostPort < 1 || options.hostPort > 65_535)
    throw new Error(`hostPort must be a TCP port, got ${options.hostPort}`);
  const socketPath = join(options.dir, `uplink-${options.hostPort}.sock`);
  await rm(socketPath, { force: true });
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(options.hostPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await listen(server, socketPath);

  const [command, ...args] = options.nsExec([process.execPath, '--import', 'tsx', FORWARDER, socketPath]);
  const child = spawn(command as string, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.pipe(createWriteStream(join(options.dir, `uplink-${options.hostPort}.log`), { flags: 'a' }));
  const closeServer = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(socketPath, { force: true });
  };
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the uplink forwarder did not listen within ${options.readyTimeoutMs ?? 20_000} ms`)),
        options.readyTimeoutMs ?? 20_000,
      );
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const match = /^listening (\d+)$/m.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the uplink forwarder exited (${code}) before listening`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    await closeServer();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    close: () =>
      (closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.stdin.end();
          const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
          await exited;
          clearTimeout(timer);
        }
        await closeServer();
      })()),
  };
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
