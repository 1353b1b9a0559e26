/**
 * Redaction for anything about a child process that may reach a log line: its arguments, its output.
 * Secrets normally travel by environment (never on a command line), but a tool may still echo them
 * back, so every string that leaves this module for a logger goes through {@link redactText}.
 */

/** The text that replaces a secret. Matches the censor of `shared/logger.ts`. */
export const REDACTED = '[redacted]';

/** Secrets shorter than this are not searched for: redacting "a" would shred every line. */
const MIN_SECRET_LENGTH = 3;

/** Returns `text` with every occurrence of every secret replaced by `[redacted]`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another one is removed whole.
  const ordered = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const secret of ordered) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * Returns a one-line, shell-like rendering of a command for logs (`ipmitool -I lanplus -H 10.0.0.5 ...`),
 * with secrets redacted and arguments quoted when they contain spaces or quotes. For display only:
 * commands are always run from an argument array, never through a shell.
 */
export function describeCommand(file: string, args: readonly string[], secrets: readonly string[] = []): string {
  const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`);
  return redactText([file, ...args].map(quote).join(' '), secrets);
}
