/**
 * Turns whatever a handler threw into the failure the agent reports (`{ type, message, retryable }`),
 * classified where it happened (STYLE.md §3): driver errors carry their own type and retryability,
 * and the few that no retry can fix are marked non-retryable here.
 */
import { ZodError } from 'zod';
import { RackpilotError, ValidationError } from '../../shared/errors.js';
import { FailureTypes } from '../../shared/failure-types.js';
import type { JobFailure } from '../../shared/jobs.js';
import { isBmcError } from '../bmc/bmc-errors.js';
import { SshError, SshErrorCodes } from '../ssh/errors.js';
import { TalosError } from '../talos/talos-errors.js';
import { AgentApiError } from '../api-client/api-errors.js';

const MAX_MESSAGE = 4_000;

/** Thrown by a handler (or the job registry) to fail a job with an exact failure. */
export class JobFailedError extends Error {
  constructor(readonly failure: JobFailure) {
    super(failure.message);
    this.name = 'JobFailedError';
  }
}

/** Failure types of the SSH module's error codes. */
const SSH_TYPES: Record<string, string> = {
  [SshErrorCodes.DiskIdentityMismatch]: FailureTypes.DiskIdentityMismatch,
  [SshErrorCodes.WipeVerificationFailed]: FailureTypes.WipeVerificationFailed,
  [SshErrorCodes.HostKeyMismatch]: 'SshHostKeyMismatch',
  [SshErrorCodes.SshCommandFailed]: 'SshCommandFailed',
  [SshErrorCodes.SshCommandTimeout]: 'SshCommandTimeout',
  [SshErrorCodes.SshUnavailable]: 'SshUnavailable',
  [SshErrorCodes.UnexpectedOutput]: 'UnexpectedCommandOutput',
};

function apiFailure(err: AgentApiError): Omit<JobFailure, 'message'> {
  if (err.status === 404 && /ASSET/i.test(err.code)) return { type: FailureTypes.AssetNotFound, retryable: false };
  if (err.status === 404 && /CLUSTER/i.test(err.code)) return { type: FailureTypes.ClusterNotFound, retryable: false };
  return { type: 'AgentApiUnavailable', retryable: err.retryable || err.status >= 500 || err.status === 404 };
}

function classify(err: unknown): Omit<JobFailure, 'message'> {
  if (err instanceof JobFailedError) return err.failure;
  if (isBmcError(err)) return { type: err.type, retryable: err.retryable };
  if (err instanceof SshError) {
    const details = err.code === SshErrorCodes.WipeVerificationFailed ? err.details : undefined;
    return { type: SSH_TYPES[err.code] ?? 'SshFailed', retryable: err.retryable, details };
  }
  if (err instanceof TalosError) return { type: err.code, retryable: err.retryable };
  if (err instanceof AgentApiError) return apiFailure(err);
  if (err instanceof ZodError || err instanceof ValidationError) {
    return { type: FailureTypes.InvalidJob, retryable: false };
  }
  if (err instanceof RackpilotError && err.status < 500 && err.status !== 409) {
    return { type: FailureTypes.InvalidJob, retryable: false };
  }
  return { type: 'AgentError', retryable: true };
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const message = text.trim() === '' ? 'job failed without a message' : text;
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
}

/** Returns the job failure to report for an error a handler threw. */
export function toJobFailure(err: unknown): JobFailure {
  const { type, retryable, details } = classify(err);
  const failure: JobFailure = { type, message: messageOf(err), retryable };
  if (details !== undefined) failure.details = details;
  return failure;
}
