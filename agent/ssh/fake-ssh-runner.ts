/**
 * `SshRunner` for unit tests: answers each command from a table (exact command → result or
 * function), records every command run, and answers anything else like bash (exit 127), so a
 * test fails loudly when the code runs a command the test did not expect.
 */
import type { CommandResult, ExecOptions, SshRunner } from './ssh-runner.js';

export type FakeAnswer = Partial<CommandResult> | ((command: string) => Partial<CommandResult>);

export class FakeSshRunner implements SshRunner {
  /** Every command run, in order. */
  readonly commands: string[] = [];
  readonly hostKeyFingerprint: string | undefined;
  private readonly answers: Map<string, FakeAnswer>;
  private readonly fallback: ((command: string) => Partial<CommandResult> | undefined) | undefined;

  constructor(
    answers: Record<string, FakeAnswer> = {},
    options: { fallback?: (command: string) => Partial<CommandResult> | undefined; hostKeyFingerprint?: string } = {},
  ) {
    this.answers = new Map(Object.entries(answers));
    this.fallback = options.fallback;
    this.hostKeyFingerprint = options.hostKeyFingerprint ?? 'SHA256:fake';
  }

  /** Sets (or replaces) the answer to one exact command. */
  on(command: string, answer: FakeAnswer): this {
    this.answers.set(command, answer);
    return this;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<CommandResult> {
    options.signal?.throwIfAborted();
    this.commands.push(command);
    const answer = this.answers.get(command);
    const partial = typeof answer === 'function' ? answer(command) : (answer ?? this.fallback?.(command));
    if (!partial) {
      const name = command.split(' ')[0] ?? '';
      return { code: 127, stdout: '', stderr: `bash: ${name}: command not found\n` };
    }
    return { code: partial.code ?? 0, stdout: partial.stdout ?? '', stderr: partial.stderr ?? '' };
  }

  async close(): Promise<void> {}
}
