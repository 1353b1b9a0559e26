/**
 * The one error model of Rackpilot. Every layer throws these; the API's error middleware maps
 * them to `{ error, code, details }` and the HTTP status, and workflows carry `code` as the
 * Temporal failure type. Codes are stable strings: clients branch on them.
 */

/** Stable error codes on the wire. Add, never rename. */
export const ErrorCodes = {
  ValidationFailed: 'VALIDATION_FAILED',
  InvalidJson: 'INVALID_JSON',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  Conflict: 'CONFLICT',
  RateLimited: 'RATE_LIMITED',
  Unavailable: 'UNAVAILABLE',
  Internal: 'INTERNAL',
  ConfigInvalid: 'CONFIG_INVALID',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  NotImplemented: 'NOT_IMPLEMENTED',
  LastAdminKey: 'LAST_ADMIN_KEY',
  SecretUndecryptable: 'SECRET_UNDECRYPTABLE',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes] | (string & {});

/** Base of every error Rackpilot raises on purpose. `status` is the HTTP status it maps to. */
export class RackpilotError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(message: string, options: { code: ErrorCode; status: number; details?: unknown; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.status = options.status;
    this.details = options.details;
  }
}

/** Thrown when input fails validation; `details` names the offending fields. */
export class ValidationError extends RackpilotError {
  constructor(message: string, details?: unknown, code: ErrorCode = ErrorCodes.ValidationFailed) {
    super(message, { code, status: 400, details });
  }
}

/** Thrown when a request carries no valid credential. */
export class UnauthorizedError extends RackpilotError {
  constructor(message = 'Invalid or missing API key', details?: unknown) {
    super(message, { code: ErrorCodes.Unauthorized, status: 401, details });
  }
}

/** Thrown when the credential is valid but its role may not do this. */
export class ForbiddenError extends RackpilotError {
  constructor(message = 'Your role may not perform this action', details?: unknown) {
    super(message, { code: ErrorCodes.Forbidden, status: 403, details });
  }
}

/** Thrown when a resource does not exist (or belongs to another organization). */
export class NotFoundError extends RackpilotError {
  constructor(message: string, details?: unknown, code: ErrorCode = ErrorCodes.NotFound) {
    super(message, { code, status: 404, details });
  }
}

/** Thrown when the resource is in a state that forbids the action (e.g. `ASSET_BUSY`). */
export class ConflictError extends RackpilotError {
  constructor(message: string, details?: unknown, code: ErrorCode = ErrorCodes.Conflict) {
    super(message, { code, status: 409, details });
  }
}

/** Thrown when a caller exceeds its rate limit; `retryAfterSeconds` feeds `Retry-After`. */
export class RateLimitedError extends RackpilotError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, details?: unknown) {
    super('Rate limit exceeded', { code: ErrorCodes.RateLimited, status: 429, details });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Thrown when a request body exceeds the configured size limit. */
export class PayloadTooLargeError extends RackpilotError {
  constructor(limitBytes: number) {
    super('Request body too large', { code: ErrorCodes.PayloadTooLarge, status: 413, details: { limitBytes } });
  }
}

/** Thrown when a path exists but not for this method; `allow` feeds the `Allow` header. */
export class MethodNotAllowedError extends RackpilotError {
  readonly allow: string[];
  constructor(method: string, allow: string[]) {
    super(`Method ${method} not allowed here`, { code: ErrorCodes.MethodNotAllowed, status: 405, details: { allow } });
    this.allow = allow;
  }
}

/** Thrown when a request body is not in a media type the endpoint reads (JSON only). */
export class UnsupportedMediaTypeError extends RackpilotError {
  constructor(contentType: string) {
    super('Request bodies must be application/json', {
      code: ErrorCodes.UnsupportedMediaType,
      status: 415,
      details: { contentType },
    });
  }
}

/** Thrown when a stored secret cannot be decrypted (unknown key id, tampered or malformed ciphertext). */
export class SecretUndecryptableError extends RackpilotError {
  constructor(message: string) {
    super(message, { code: ErrorCodes.SecretUndecryptable, status: 500 });
  }
}

/** Thrown when a dependency (database, Temporal, agent) cannot be reached. */
export class UnavailableError extends RackpilotError {
  constructor(message: string, details?: unknown) {
    super(message, { code: ErrorCodes.Unavailable, status: 503, details });
  }
}

/** Thrown at start-up when configuration is invalid; `details` lists every bad variable. */
export class ConfigError extends RackpilotError {
  constructor(message: string, details: { variable: string; problem: string }[]) {
    super(message, { code: ErrorCodes.ConfigInvalid, status: 500, details });
  }
}

/** True for errors Rackpilot raised on purpose (safe to show their message to the caller). */
export function isRackpilotError(err: unknown): err is RackpilotError {
  return err instanceof RackpilotError;
}
