import { isApiError } from '../client/api-error.js';
import { createRackpilotClient, type RackpilotClient } from '../client/rackpilot-client.js';
import { readConfigFile } from './config/config-file.js';
import { configFilePath } from './config/config-path.js';
import { resolveCredentials, type Credentials } from './config/credentials.js';
import { render, type OutputFormat } from './output/format.js';

/** A stream the CLI writes to; `isTTY` decides between the live and the line-per-step progress. */
export interface OutStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Everything the CLI touches outside itself, passed in by `main.ts` (and by tests). */
export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  /** Replaces globalThis.fetch (tests). */
  fetch?: typeof globalThis.fetch;
  /** Aborted on Ctrl-C: long waits stop and say how to resume. */
  signal?: AbortSignal;
  /** Milliseconds clock (tests). */
  now?: () => number;
}

/** What a command runs with: its I/O, the credentials and a client built from them. */
export class CliContext {
  private resolved?: Credentials;

  constructor(readonly io: CliIo) {}

  /** The configuration file this run reads and `login` writes. */
  get configPath(): string {
    return configFilePath(this.io.env, this.io.homedir);
  }

  now(): number {
    return this.io.now?.() ?? Date.now();
  }

  /** The API URL and key: environment over the file. Throws NotLoggedInError when either is missing. */
  async credentials(): Promise<Credentials> {
    if (this.resolved) return this.resolved;
    const stored = await readConfigFile(this.configPath);
    if (stored.looseMode !== undefined) {
      this.io.stderr.write(
        `warning: ${this.configPath} is readable by others (mode ${stored.looseMode.toString(8)}): chmod 600 it\n`,
      );
    }
    this.resolved = resolveCredentials(this.io.env, stored, this.configPath);
    return this.resolved;
  }

  /** A typed client of the configured API. */
  async client(): Promise<RackpilotClient> {
    return this.clientFor(await this.credentials());
  }

  /** A typed client of an explicit API and key (`login` checks a key before saving it). */
  clientFor(credentials: Credentials): RackpilotClient {
    const fetchImpl = this.io.fetch;
    return createRackpilotClient({
      ...credentials,
      userAgent: 'rackpilot-cli',
      ...(fetchImpl ? { fetch: (input: Request) => fetchImpl(input) } : {}),
    });
  }

  /** Writes to stdout. */
  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Writes to stderr. */
  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Prints what the API returned in the chosen format (the table view is the command's). */
  print<T>(value: T, format: OutputFormat, table: (value: T) => string): void {
    this.io.stdout.write(render(value, format, table));
  }

  /**
   * Where progress of a long action goes: stdout, unless the result is machine-read (`-o json`,
   * `-o yaml`), which keeps stdout for the result alone.
   */
  progressStream(format: OutputFormat): OutStream {
    return format === 'table' ? this.io.stdout : this.io.stderr;
  }
}

/** Prints an error that ended the command: the API's `{error, code, details}` as it sent them. */
export function describeError(err: unknown, format: OutputFormat): string {
  if (isApiError(err)) {
    const body = {
      error: err.error,
      code: err.code,
      ...(err.status ? { status: err.status } : {}),
      details: err.details,
    };
    return format === 'json' ? JSON.stringify(body, null, 2) : render(body, 'yaml', () => '').trimEnd();
  }
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message}`;
}
