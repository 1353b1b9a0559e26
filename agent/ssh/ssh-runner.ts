/**
 * The one way the agent runs commands on a booted machine. Production uses `Ssh2Runner`
 * (ssh2-runner.ts); unit tests use `FakeSshRunner`. Commands are fixed strings from commands.ts,
 * built from validated values only.
 */
import { createHash } from 'node:crypto';

/** What a command produced. `code` is the exit status (128 + n when killed by signal n). */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Kill the command and reject with `SshCommandTimeoutError` after this long. */
  timeoutMs?: number;
  /** Abort the command (job cancelled); rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Runs commands on one machine. A non-zero exit resolves (callers decide); transport failures reject. */
export interface SshRunner {
  exec(command: string, options?: ExecOptions): Promise<CommandResult>;
  /** The host key fingerprint pinned by this runner (`SHA256:...`), once connected. */
  readonly hostKeyFingerprint: string | undefined;
  close(): Promise<void>;
}

/** Returns the OpenSSH-style fingerprint (`SHA256:<base64 without padding>`) of a public key blob. */
export function fingerprintOfKeyBlob(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
