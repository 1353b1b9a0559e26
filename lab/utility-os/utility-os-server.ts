/**
 * The lab's utility OS: a real SSH server (ssh2) on 127.0.0.1 that answers the commands the agent
 * runs (commands/*.ts) over disk images in files of its own directory. Never touches the host's
 * block devices: `/dev/<name>` only ever means `<dir>/<name>.img`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthenticationType, Connection, ParsedKey, ServerChannel } from 'ssh2';
import { utilityOsTools } from './commands/index.js';
import { DiskImage } from './disk-image.js';
import type { LabMachine } from './machine.js';
import { createDispatcher } from './shell.js';
import type { LabMachineSpec } from './types.js';
import { generateSshKeyPair } from '../../shared/ssh-key-pair.js';

export interface UtilityOsServerOptions extends LabMachineSpec {
  /** Directory for the disk images (`<name>.img`); the caller creates and removes it. */
  dir: string;
  /** Host private key (OpenSSH/PEM); a fresh ed25519 key when omitted, as after each real boot. */
  hostKey?: string | Buffer;
  /** Public key (`ssh-ed25519 AAAA...`) allowed to log in. */
  authorizedKey?: string;
  password?: string;
  username?: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
}

export interface UtilityOsServer {
  host: '127.0.0.1';
  port: number;
  /** `SHA256:...`, as `ssh-keygen -lf` and the agent print it. */
  hostKeyFingerprint: string;
  /** The file standing for `/dev/<name>`. */
  diskFile(name: string): string;
  /** Every command line received, in order. */
  readonly commandLog: readonly string[];
  stop(): Promise<void>;
}

function parsedKey(key: string | Buffer, what: string): ParsedKey {
  const parsed = ssh2.utils.parseKey(key);
  if (parsed instanceof Error) throw new Error(`${what}: ${parsed.message}`);
  return parsed;
}

/** Starts the server; resolves once it listens. */
export async function startUtilityOsServer(options: UtilityOsServerOptions): Promise<UtilityOsServer> {
  if (!options.authorizedKey && !options.password) throw new Error('authorizedKey or password is required');
  const hostKey = options.hostKey ?? generateSshKeyPair().private;
  const hostPublic = parsedKey(hostKey, 'hostKey').getPublicSSH();
  const allowed = options.authorizedKey ? parsedKey(options.authorizedKey, 'authorizedKey') : undefined;
  const machine: LabMachine = { spec: options, disks: new Map() };
  for (const spec of options.disks) {
    const disk = await DiskImage.create(options.dir, spec);
    machine.disks.set(disk.path, disk);
  }
  const run = createDispatcher(utilityOsTools);
  const commandLog: string[] = [];
  const connections = new Set<Connection>();

  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    connections.add(client);
    // Not in @types/ssh2, but ssh2's server-side connection has it (lib/server.js): no Nagle delay per reply.
    (client as Connection & { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
    client.on('close', () => connections.delete(client));
    client.on('error', () => client.end());
    client.on('authentication', (ctx) => {
      if (ctx.username !== (options.username ?? 'root')) return ctx.reject();
      if (ctx.method === 'publickey' && allowed) {
        const data = allowed.getPublicSSH();
        if (ctx.key.data.length !== data.length || !timingSafeEqual(ctx.key.data, data)) return ctx.reject();
        if (!ctx.signature) return ctx.accept(); // key query before signing
        return allowed.verify(ctx.blob as Buffer, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject();
      }
      if (ctx.method === 'password' && options.password !== undefined && ctx.password === options.password) {
        return ctx.accept();
      }
      const methods: AuthenticationType[] = [];
      if (allowed) methods.push('publickey');
      if (options.password !== undefined) methods.push('password');
      return ctx.reject(methods);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('env', (accept) => accept?.());
        session.on('exec', (accept, _reject, info) => {
          commandLog.push(info.command);
          void execute(accept(), info.command);
        });
      });
    });
  });

  async function execute(channel: ServerChannel, command: string): Promise<void> {
    const result = await run(command, machine);
    if (result.stdout) channel.write(result.stdout);
    if (result.stderr) channel.stderr.write(result.stderr);
    channel.exit(result.code);
    channel.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    hostKeyFingerprint: `SHA256:${createHash('sha256').update(hostPublic).digest('base64').replace(/=+$/, '')}`,
    diskFile: (name) => {
      const disk = machine.disks.get(`/dev/${name}`);
      if (!disk) throw new Error(`no disk ${name}`);
      return disk.file;
    },
    commandLog,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const connection of connections) connection.end();
        server.close(() => resolve());
      }),
  };
}
