/**
 * `SshRunner` over the `ssh2` client: one connection per runner (opened lazily, reopened if it
 * drops), one exec channel per command. The host key is pinned per boot: the pin passed in (from
 * an earlier job of the same boot), else the first key this runner sees; any other key later is
 * a `HostKeyMismatchError`.
 */
import ssh2 from 'ssh2';
import type { Client, ClientChannel } from 'ssh2';
import type { Logger } from '../../shared/logger.js';
import { HostKeyMismatchError, SshCommandTimeoutError, SshUnavailableError } from './errors.js';
import { fingerprintOfKeyBlob, type CommandResult, type ExecOptions, type SshRunner } from './ssh-runner.js';

export interface Ssh2RunnerOptions {
  host: string;
  port: number;
  username: string;
  /** OpenSSH or PEM private key. Never logged. */
  privateKey: string | Buffer;
  /** Fingerprint (`SHA256:...`) already pinned for this boot; omit on the first contact of a boot. */
  pinnedHostKey?: string;
  connectTimeoutMs?: number;
  /** Default per-command timeout. */
  commandTimeoutMs?: number;
  /** Largest stdout/stderr kept per command; beyond it the command is killed. */
  maxOutputBytes?: number;
  logger?: Logger;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;

/** The production `SshRunner`. */
export class Ssh2Runner implements SshRunner {
  private pinned: string | undefined;
  private connecting: Promise<Client> | undefined;
  private current: Client | undefined;
  private readonly options: Ssh2RunnerOptions;

  constructor(options: Ssh2RunnerOptions) {
    this.options = options;
    this.pinned = options.pinnedHostKey;
  }

  /** The pinned host key: record it on the job so later jobs of the same boot pass it back. */
  get hostKeyFingerprint(): string | undefined {
    return this.pinned;
  }

  /** Opens the connection now (checking the host key) instead of on the first command. */
  async connect(): Promise<string> {
    await this.client();
    return this.pinned as string;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<CommandResult> {
    options.signal?.throwIfAborted();
    const client = await this.client();
    const started = Date.now();
    const limits = {
      timeoutMs: options.timeoutMs ?? this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      signal: options.signal,
      maxOutputBytes: this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT,
    };
    let result: CommandResult;
    try {
      result = await execOn(client, command, limits);
    } catch (err) {
      if (!(err instanceof ExecRefused)) throw err;
      // The connection died between commands (utility OS rebooted, network blip) before ssh2 told us:
      // reconnect once, which also checks the host key again.
      this.forget(client);
      result = await execOn(await this.client(), command, limits);
    }
    this.options.logger?.debug({ command, code: result.code, ms: Date.now() - started }, 'ssh command finished');
    return result;
  }

  async close(): Promise<void> {
    const pending = this.connecting;
    if (!pending) return;
    const client = await pending.catch(() => undefined);
    if (!client || this.current !== client) return;
    await new Promise<void>((resolve) => {
      client.once('close', () => resolve());
      client.end();
    });
  }

  private forget(client: Client): void {
    if (this.current !== client) return;
    this.current = undefined;
    this.connecting = undefined;
    client.end();
  }

  private client(): Promise<Client> {
    this.connecting ??= this.open().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  private open(): Promise<Client> {
    const { host, port, username, privateKey } = this.options;
    const client = new ssh2.Client();
    let seen: string | undefined;
    return new Promise<Client>((resolve, reject) => {
      client.on('ready', () => {
        // Each command is a few small request/response packets: Nagle's delay would add ~40 ms to each.
        client.setNoDelay(true);
        this.pinned ??= seen;
        this.current = client;
        resolve(client);
      });
      client.on('error', (err) => {
        if (seen !== undefined && this.pinned !== undefined && seen !== this.pinned) {
          reject(new HostKeyMismatchError(this.pinned, seen));
        } else {
          reject(new SshUnavailableError(`SSH to ${host}:${port} failed: ${err.message}`, err));
        }
      });
      // A dropped connection is forgotten, so the next command reconnects (and re-checks the key).
      client.on('close', () => this.forget(client));
      client.connect({
        host,
        port,
        username,
        privateKey,
        readyTimeout: this.options.connectTimeoutMs ?? 20_000,
        keepaliveInterval: 15_000,
        hostVerifier: (key: Buffer) => {
          seen = fingerprintOfKeyBlob(key);
          return this.pinned === undefined || this.pinned === seen;
        },
      });
    });
  }
}

/** The server (or a dead connection) refused to open the exec channel: nothing ran. */
class ExecRefused extends SshUnavailableError {}

interface Limits {
  timeoutMs: number;
  signal: AbortSignal | undefined;
  maxOutputBytes: number;
}

function execOn(client: Client, command: string, limits: Limits): Promise<CommandResult> {
  return new Promise<CommandResult>((resolve, reject) => {
    try {
      // Listeners are attached in the callback itself: ssh2 may emit the exit status in the same tick.
      client.exec(command, (err, channel) => {
        if (err) reject(new ExecRefused(`exec failed: ${err.message}`, err));
        else collect(channel, command, limits).then(resolve, reject);
      });
    } catch (err) {
      reject(new ExecRefused(`exec failed: ${(err as Error).message}`, err));
    }
  });
}

function collect(channel: ClientChannel, command: string, limits: Limits): Promise<CommandResult> {
  return new Promise<CommandResult>((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let code: number | undefined;
    let failure: Error | undefined;
    const stop = (reason: Error): void => {
      failure ??= reason;
      channel.signal('KILL');
      channel.close();
    };
    const timer = setTimeout(() => stop(new SshCommandTimeoutError(command, limits.timeoutMs)), limits.timeoutMs);
    const onAbort = (): void =>
      stop(limits.signal?.reason instanceof Error ? limits.signal.reason : new Error('aborted'));
    limits.signal?.addEventListener('abort', onAbort, { once: true });
    const take = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxOutputBytes)
        stop(new SshUnavailableError(`output of "${command}" exceeds ${limits.maxOutputBytes} bytes`));
      else into.push(chunk);
    };
    channel.on('data', take(out));
    channel.stderr.on('data', take(err));
    channel.on('exit', (exitCode: number | null, signalName?: string) => {
      code = exitCode ?? 128 + signalNumber(signalName);
    });
    channel.on('close', (closeCode?: number | null, closeSignal?: string) => {
      if (code === undefined && typeof closeCode === 'number') code = closeCode;
      else if (code === undefined && closeSignal) code = 128 + signalNumber(closeSignal);
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      if (failure) return reject(failure);
      if (code === undefined) return reject(new SshUnavailableError(`connection lost while running "${command}"`));
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

function signalNumber(name: string | undefined): number {
  const numbers: Record<string, number> = { HUP: 1, INT: 2, KILL: 9, SEGV: 11, PIPE: 13, TERM: 15 };
  return numbers[name ?? ''] ?? 0;
}
