import { RackpilotError } from '../../shared/errors.js';

/**
 * Typed BMC failures. The class name is the Temporal failure type (STYLE.md §3): the agent reports
 * `{ type, message, nonRetryable }` and workflows branch on `type`, never on `instanceof`.
 */

/**
 * Failure type names of the BMC layer, one constant list (SDK `failure.ts` style). These become
 * `ApplicationFailure` types; add, never rename.
 */
export const BMC_FAILURE_TYPES = [
  'BmcUnreachable',
  'BmcAuthFailed',
  'BmcSessionLimit',
  'BmcUnsupported',
  'BmcCommandFailed',
  'BmcCertificateRejected',
] as const;

/** One of {@link BMC_FAILURE_TYPES}. */
export type BmcFailureType = (typeof BMC_FAILURE_TYPES)[number];

/** Stable wire codes of the BMC failures, by failure type. */
export const BMC_ERROR_CODES: Record<BmcFailureType, string> = {
  BmcUnreachable: 'BMC_UNREACHABLE',
  BmcAuthFailed: 'BMC_AUTH_FAILED',
  BmcSessionLimit: 'BMC_SESSION_LIMIT',
  BmcUnsupported: 'BMC_UNSUPPORTED',
  BmcCommandFailed: 'BMC_COMMAND_FAILED',
  BmcCertificateRejected: 'BMC_CERTIFICATE_REJECTED',
};

/** What a BMC error carries besides its message. Never the password. */
export interface BmcErrorDetails {
  /** `host:port` of the BMC. */
  bmc?: string;
  /** The operation that failed (`powerOn`, `setBootDevice`...). */
  operation?: string;
  /** The last lines the BMC tool printed, redacted. */
  output?: string;
  /** Attempts made before giving up. */
  attempts?: number;
}

/** Base of every BMC failure. `retryable` says whether trying again later can help. */
export abstract class BmcError extends RackpilotError {
  abstract readonly type: BmcFailureType;
  abstract readonly retryable: boolean;
  declare readonly details: BmcErrorDetails;

  constructor(message: string, code: string, status: number, details: BmcErrorDetails = {}, cause?: unknown) {
    super(message, { code, status, details, cause });
  }
}

/** Thrown when the BMC does not answer (no route, closed port, timeout). Retryable. */
export class BmcUnreachableError extends BmcError {
  readonly type = 'BmcUnreachable';
  readonly retryable = true;
  constructor(message: string, details?: BmcErrorDetails, cause?: unknown) {
    super(message, BMC_ERROR_CODES.BmcUnreachable, 504, details, cause);
  }
}

/** Thrown when the BMC rejects the credentials (wrong password or user name). Not retryable. */
export class BmcAuthFailedError extends BmcError {
  readonly type = 'BmcAuthFailed';
  readonly retryable = false;
  constructor(message: string, details?: BmcErrorDetails, cause?: unknown) {
    super(message, BMC_ERROR_CODES.BmcAuthFailed, 502, details, cause);
  }
}

/** Thrown when the BMC has no free session slot. Retryable: stale sessions time out. */
export class BmcSessionLimitError extends BmcError {
  readonly type = 'BmcSessionLimit';
  readonly retryable = true;
  constructor(message: string, details?: BmcErrorDetails, cause?: unknown) {
    super(message, BMC_ERROR_CODES.BmcSessionLimit, 503, details, cause);
  }
}

/** Thrown when the BMC does not support the command or the configured cipher suite. Not retryable. */
export class BmcUnsupportedError extends BmcError {
  readonly type = 'BmcUnsupported';
  readonly retryable = false;
  constructor(message: string, details?: BmcErrorDetails, cause?: unknown) {
    super(message, BMC_ERROR_CODES.BmcUnsupported, 501, details, cause);
  }
}

/**
 * Thrown when the BMC answered but the command failed or its output made no sense. `retryable`
 * is decided where the failure is classified (a busy BMC is retryable, a malformed answer is not).
 */
export class BmcCommandFailedError extends BmcError {
  readonly type = 'BmcCommandFailed';
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; details?: BmcErrorDetails; cause?: unknown }) {
    super(message, BMC_ERROR_CODES.BmcCommandFailed, 502, options.details, options.cause);
    this.retryable = options.retryable;
  }
}

/**
 * Thrown when a Redfish BMC's TLS certificate fails the check the operator chose (CA, pinned
 * fingerprint). Not retryable: the BMC was re-keyed or something else answers at its address, and
 * no credentials were sent to it.
 */
export class BmcCertificateRejectedError extends BmcError {
  readonly type = 'BmcCertificateRejected';
  readonly retryable = false;
  constructor(message: string, details?: BmcErrorDetails, cause?: unknown) {
    super(message, BMC_ERROR_CODES.BmcCertificateRejected, 502, details, cause);
  }
}

/** True for the errors of this module. */
export function isBmcError(err: unknown): err is BmcError {
  return err instanceof BmcError;
}
