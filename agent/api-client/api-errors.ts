/**
 * Failures of calls to the Rackpilot API. The API answers `{ error, code, details }`; a network
 * failure or timeout has no body, so it gets the code `API_UNREACHABLE` and status 0.
 */
import { RackpilotError } from '../../shared/errors.js';

/** Codes the agent branches on. */
export const AgentApiCodes = {
  /** No HTTP answer: connection refused, reset, DNS failure or timeout. */
  Unreachable: 'API_UNREACHABLE',
  /** The API withdrew a job: the agent must stop working on it (409). */
  JobWithdrawn: 'JOB_WITHDRAWN',
  /** An answer that does not match the contract. */
  BadResponse: 'API_BAD_RESPONSE',
} as const;

/** Thrown by the agent's API client for every failed call. */
export class AgentApiError extends RackpilotError {
  /** True when the same call may succeed later (API down, overloaded, rate limited). */
  readonly retryable: boolean;
  /** Seconds the API asked to wait (`Retry-After`), if it did. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    message: string,
    options: { code: string; status: number; details?: unknown; cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.retryable = isRetryableStatus(options.status);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Statuses worth retrying: no answer, request timeout, rate limited, and the gateway/unavailable family. */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status === 502 || status === 503 || status === 504;
}

/** True when the API says the job was withdrawn (stop working on it, report nothing). */
export function isJobWithdrawn(err: unknown): boolean {
  return err instanceof AgentApiError && err.status === 409 && err.code === AgentApiCodes.JobWithdrawn;
}
