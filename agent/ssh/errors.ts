/**
 * Typed failures of the SSH executor, inventory and wipe. `code` is the Temporal failure type the
 * job is failed with; `retryable` tells the agent whether to fail the job as non-retryable.
 */
import { RackpilotError } from '../../shared/errors.js';
import type { WipeReport } from '../../shared/wipe-report.js';

/** Failure types of this module, stable on the wire. */
export const SshErrorCodes = {
  HostKeyMismatch: 'HOST_KEY_MISMATCH',
  DiskIdentityMismatch: 'DISK_IDENTITY_MISMATCH',
  WipeVerificationFailed: 'WIPE_VERIFICATION_FAILED',
  SshCommandFailed: 'SSH_COMMAND_FAILED',
  SshCommandTimeout: 'SSH_COMMAND_TIMEOUT',
  SshUnavailable: 'SSH_UNAVAILABLE',
  UnexpectedOutput: 'UNEXPECTED_COMMAND_OUTPUT',
} as const;

/** Base of the SSH module's errors. */
export class SshError extends RackpilotError {
  /** False when retrying the job cannot help (wrong machine, wrong disk). */
  readonly retryable: boolean;
  constructor(message: string, code: string, retryable: boolean, details?: unknown, cause?: unknown) {
    super(message, { code, status: retryable ? 503 : 409, details, cause });
    this.retryable = retryable;
  }
}

/**
 * Thrown when the server presents a host key other than the one pinned for this boot: another
 * machine answers on that address, or someone is in the middle. Not retryable.
 */
export class HostKeyMismatchError extends SshError {
  constructor(expected: string, actual: string) {
    super(`SSH host key mismatch: expected ${expected}, got ${actual}`, SshErrorCodes.HostKeyMismatch, false, {
      expected,
      actual,
    });
  }
}

/** Thrown before any write when a disk's serial/WWN differs from the job's expectation. Not retryable. */
export class DiskIdentityMismatchError extends SshError {
  constructor(path: string, problems: string[]) {
    super(`Refusing to wipe ${path}: ${problems.join('; ')}`, SshErrorCodes.DiskIdentityMismatch, false, {
      path,
      problems,
    });
  }
}

/** Thrown after a wipe when at least one disk failed to erase or to verify; `reports` covers every disk. */
export class WipeVerificationError extends SshError {
  readonly reports: WipeReport[];
  constructor(reports: WipeReport[]) {
    const failed = reports.filter((r) => !r.verification.passed || r.error !== undefined).map((r) => r.path);
    super(`Wipe verification failed on ${failed.join(', ')}`, SshErrorCodes.WipeVerificationFailed, false, {
      failed,
      reports,
    });
    this.reports = reports;
  }
}

/** Thrown when a command the agent needs exits non-zero. Retryable (the utility OS may be settling). */
export class SshCommandError extends SshError {
  constructor(command: string, exitCode: number, stderr: string) {
    super(
      `Command failed (exit ${exitCode}): ${command}: ${stderr.trim().slice(0, 500)}`,
      SshErrorCodes.SshCommandFailed,
      true,
      {
        command,
        exitCode,
        stderr: stderr.slice(0, 2000),
      },
    );
  }
}

/** Thrown when a command runs past its timeout (the channel is closed). */
export class SshCommandTimeoutError extends SshError {
  constructor(command: string, timeoutMs: number) {
    super(`Command timed out after ${timeoutMs} ms: ${command}`, SshErrorCodes.SshCommandTimeout, true, {
      command,
      timeoutMs,
    });
  }
}

/** Thrown when the SSH connection cannot be made or drops (refused, auth failed, reset). */
export class SshUnavailableError extends SshError {
  constructor(message: string, cause?: unknown) {
    super(message, SshErrorCodes.SshUnavailable, true, undefined, cause);
  }
}

/** Thrown when a command's output cannot be parsed: hardware or tool version the parsers do not know. */
export class UnexpectedOutputError extends SshError {
  constructor(what: string, problem: string) {
    super(`Unexpected output from ${what}: ${problem}`, SshErrorCodes.UnexpectedOutput, false, { what, problem });
  }
}
