import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../client/api-error.js';
import {
  ActionFailedError,
  ApiFailedItemsError,
  ExitCode,
  exitCodeFor,
  InterruptedError,
  NotLoggedInError,
  UsageError,
} from './exit-codes.js';

describe('exit codes', () => {
  it('are 0 ok, 1 failed workflow, 2 usage, 3 API or auth error', () => {
    expect(ExitCode).toMatchObject({ Ok: 0, Failed: 1, Usage: 2, Api: 3 });
  });

  it('map each way a command can end to its code', () => {
    expect(exitCodeFor(new ActionFailedError('cluster-provision failed'))).toBe(1);
    expect(exitCodeFor(new UsageError('bad'))).toBe(2);
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownCommand', 'x'))).toBe(2);
    expect(exitCodeFor(new CommanderError(1, 'commander.missingMandatoryOptionValue', 'x'))).toBe(2);
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', 'x'))).toBe(0);
    expect(exitCodeFor(new CommanderError(0, 'commander.version', 'x'))).toBe(0);
    expect(exitCodeFor(new ApiError(401, { error: 'no', code: 'UNAUTHORIZED', details: null }))).toBe(3);
    expect(exitCodeFor(new ApiError(0, { error: 'down', code: 'API_UNREACHABLE', details: null }))).toBe(3);
    expect(exitCodeFor(new NotLoggedInError('login'))).toBe(3);
    expect(exitCodeFor(new ApiFailedItemsError('1 of 3'))).toBe(3);
    expect(exitCodeFor(new InterruptedError('ctrl-c'))).toBe(130);
    expect(exitCodeFor(new Error('a bug'))).toBe(1);
  });
});
