import type { Logger } from '../../shared/logger.js';
import { describeCommand } from '../exec/redact.js';
import { type CommandResult, runCommand, type RunCommandOptions } from '../exec/run-command.js';
import { BmcCommandFailedError, type BmcErrorDetails } from './bmc-errors.js';
import { bmcCommandQueue, type KeyedMutex } from './bmc-queue.js';
import { classifyIpmitoolFailure, completionCodeText } from './ipmitool-failures.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from './retry.js';

/**
 * One BMC as ipmitool sees it, and the machinery around each ipmitool run: argument building,
 * password by environment (`-E` reads `IPMI_PASSWORD`), per-BMC serialisation, failure
 * classification and bounded retry.
 */

/** Where a BMC is and how to log in. */
export interface IpmiEndpoint {
  host: string;
  /** UDP port, 623 unless the BMC (or the lab) says otherwise. */
  port?: number;
  username: string;
  password: string;
  /**
   * RMCP+ cipher suite (`-C`). Default 17 (HMAC-SHA256, AES-CBC-128), what current BMCs require;
   * 3 (HMAC-SHA1) for older ones and for `ipmi_sim`. Always given: letting ipmitool probe the BMC's
   * cipher suites costs 10 s on BMCs that do not answer "Get Channel Cipher Suites".
   */
  cipherSuite?: number;
  /** Session privilege (`-L`). Default ADMINISTRATOR: boot options need it on most BMCs. */
  privilege?: 'ADMINISTRATOR' | 'OPERATOR' | 'USER';
}

/** Tuning of the ipmitool runner; every field has a production default. */
export interface IpmitoolRunnerOptions {
  /** Path of the ipmitool binary. Default `ipmitool` (found on PATH). */
  ipmitoolPath?: string;
  /** ipmitool's own per-request timeout in seconds (`-N`). Default 2. */
  requestTimeoutSeconds?: number;
  /** ipmitool's own retransmissions per request (`-R`). Default 1. */
  requestRetries?: number;
  /** Hard cap on one ipmitool run; the process is killed past it. Default 30 s. */
  commandTimeoutMs?: number;
  /** Retry of transient failures across runs. Default {@link DEFAULT_RETRY_POLICY} (60 s; 3 min when the BMC does not answer). */
  retry?: RetryPolicy;
  /** Serialisation of runs per BMC. Default: the process-wide queue. */
  queue?: KeyedMutex;
  /** The child-process runner (tests wrap it to observe runs). */
  run?: (file: string, args: readonly string[], options: RunCommandOptions) => Promise<CommandResult>;
  /** Receives one debug line per run and a warning per retry. Never sees the password. */
  logger?: Logger;
  /** Pauses between retries; injectable for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Runs ipmitool commands against one BMC. */
export class IpmitoolRunner {
  readonly key: string;
  private readonly endpoint: Required<IpmiEndpoint>;

  constructor(
    endpoint: IpmiEndpoint,
    private readonly options: IpmitoolRunnerOptions = {},
  ) {
    this.endpoint = { port: 623, cipherSuite: 17, privilege: 'ADMINISTRATOR', ...endpoint };
    this.key = `${this.endpoint.host}:${this.endpoint.port}`;
  }

  /** The ipmitool arguments before the command. No password: that travels in `IPMI_PASSWORD`. */
  baseArgs(): string[] {
    const { host, port, username, cipherSuite, privilege } = this.endpoint;
    const { requestTimeoutSeconds = 2, requestRetries = 1 } = this.options;
    return [
      ...['-I', 'lanplus', '-H', host, '-p', String(port), '-U', username, '-E'],
      ...[
        '-C',
        String(cipherSuite),
        '-L',
        privilege,
        '-N',
        String(requestTimeoutSeconds),
        '-R',
        String(requestRetries),
      ],
      '-v', // the cause of a session failure is printed only at -v (see ipmitool-failures.ts)
    ];
  }

  /**
   * Runs `command` (e.g. `['power', 'status']`) and hands its stdout to `parse`, retrying transient
   * failures. Throws the classified BMC error when the run fails, or the parser's error when the
   * output is not understood (then no retry: the BMC answered, and repeating will not change it).
   */
  async execute<T>(
    operation: string,
    command: string[],
    parse: (stdout: string) => T,
    signal?: AbortSignal,
  ): Promise<T> {
    const details: BmcErrorDetails = { bmc: this.key, operation };
    return withRetry(
      async () => {
        const result = await (this.options.queue ?? bmcCommandQueue).run(this.key, () => this.runOnce(command, signal));
        if (result.exitCode !== 0 || result.timedOut) throw classifyIpmitoolFailure(result, details);
        try {
          return parse(result.stdout);
        } catch (parseError) {
          // ipmitool exits 0 after some refused requests (e.g. "Set Chassis Boot Parameter 5 failed").
          if (completionCodeText(result.stderr) !== undefined) throw classifyIpmitoolFailure(result, details);
          Object.assign((parseError as { details?: object }).details ?? {}, details);
          throw parseError;
        }
      },
      this.options.retry ?? DEFAULT_RETRY_POLICY,
      {
        signal,
        sleep: this.options.sleep,
        onRetry: ({ attempt, delayMs, error }) =>
          this.options.logger?.warn(
            { bmc: this.key, operation, attempt, delayMs, err: summary(error) },
            'BMC command failed, retrying',
          ),
      },
    );
  }

  private async runOnce(command: string[], signal?: AbortSignal): Promise<CommandResult> {
    const file = this.options.ipmitoolPath ?? 'ipmitool';
    const args = [...this.baseArgs(), ...command];
    const run = this.options.run ?? runCommand;
    this.options.logger?.debug(
      { bmc: this.key, command: describeCommand(file, args, [this.endpoint.password]) },
      'ipmitool',
    );
    try {
      return await run(file, args, {
        timeoutMs: this.options.commandTimeoutMs ?? 30_000,
        signal,
        maxOutputBytes: 256 * 1024,
        secretEnv: { IPMI_PASSWORD: this.endpoint.password },
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      // ipmitool missing or not executable: nothing a retry can fix.
      throw new BmcCommandFailedError(`Cannot run ipmitool: ${(err as Error).message}`, {
        retryable: false,
        details: { bmc: this.key },
        cause: err,
      });
    }
  }
}

function summary(error: unknown): { type?: string; message: string } {
  const { type, message } = error as { type?: string; message?: string };
  return { type, message: message ?? String(error) };
}
