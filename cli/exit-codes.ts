import { CommanderError } from 'commander';
import { isApiError } from '../client/api-error.js';

/** The CLI's exit codes: scripts branch on them. */
export const ExitCode = {
  /** Done; a watched workflow completed. */
  Ok: 0,
  /** A workflow failed or was cancelled (or a dry run found problems). */
  Failed: 1,
  /** Bad command line: unknown command or option, missing argument, unreadable input file. */
  Usage: 2,
  /** The API refused (any non-2xx: auth, validation, conflict), could not be reached, or no credentials. */
  Api: 3,
  /** Ctrl-C during a wait: the workflow goes on. */
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Thrown for a command line the CLI cannot act on (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Thrown when a watched workflow ends other than completed, or a dry run has problems (exit 1). */
export class ActionFailedError extends Error {
  override readonly name = 'ActionFailedError';
}

/** Thrown when no API URL or key is configured (exit 3, with what to do). */
export class NotLoggedInError extends Error {
  override readonly name = 'NotLoggedInError';
}

/** Commander codes that mean "asked for help or the version", which is success. */
const COMMANDER_OK = new Set(['commander.helpDisplayed', 'commander.version', 'commander.executeSubCommandAsync']);

/** The exit code for an error that ended a command; anything unforeseen is 1. */
export function exitCodeFor(err: unknown): ExitCodeValue {
  if (err instanceof CommanderError) return COMMANDER_OK.has(err.code) ? ExitCode.Ok : ExitCode.Usage;
  if (err instanceof UsageError) return ExitCode.Usage;
  if (isApiError(err) || err instanceof NotLoggedInError || err instanceof ApiFailedItemsError) return ExitCode.Api;
  if (err instanceof InterruptedError) return ExitCode.Interrupted;
  return ExitCode.Failed;
}

/** Thrown when Ctrl-C stopped a wait (exit 130, as a shell reports SIGINT); the workflow goes on. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

/** Thrown when the API refused some items of a bulk request (exit 3, like any refusal); each was printed. */
export class ApiFailedItemsError extends Error {
  override readonly name = 'ApiFailedItemsError';
}
