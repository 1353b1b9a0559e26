/** The error body every non-2xx answer of the API carries. */
export interface ApiErrorBody {
  error: string;
  code: string;
  details: unknown;
}

/** Code of an ApiError raised when no HTTP answer came back at all (refused, DNS, reset, timeout). */
export const UNREACHABLE = 'API_UNREACHABLE';

/**
 * Thrown by the client when the API answers a non-2xx status (with the API's own
 * `{error, code, details}`), or cannot be reached (`status` 0, `code` API_UNREACHABLE).
 */
export class ApiError extends Error implements ApiErrorBody {
  readonly status: number;
  readonly error: string;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, body: ApiErrorBody) {
    super(body.error);
    this.name = 'ApiError';
    this.status = status;
    this.error = body.error;
    this.code = body.code;
    this.details = body.details;
  }

  /** The API's body as it was sent (what the CLI prints). */
  toJSON(): ApiErrorBody {
    return { error: this.error, code: this.code, details: this.details };
  }
}

/** True for an ApiError (also across module copies, by name and shape). */
export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError || (err instanceof Error && err.name === 'ApiError' && 'code' in err);
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.error === 'string' && typeof v.code === 'string';
}

/**
 * Builds the ApiError of a failed answer from its parsed body: the API's own body when it is one,
 * else a generic `HTTP_<status>` one carrying what came back (a proxy's HTML page, say).
 */
export function apiErrorFrom(status: number, body: unknown): ApiError {
  if (isErrorBody(body))
    return new ApiError(status, { error: body.error, code: body.code, details: body.details ?? null });
  const text = typeof body === 'string' ? body.trim().slice(0, 500) : body;
  return new ApiError(status, { error: `HTTP ${status}`, code: `HTTP_${status}`, details: text === '' ? null : text });
}

/** Wraps a failed fetch (no HTTP answer) as an ApiError with status 0. */
export function unreachable(apiUrl: string, cause: unknown): ApiError {
  const reason =
    cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
  return new ApiError(0, {
    error: `Cannot reach the API at ${apiUrl}: ${reason}`,
    code: UNREACHABLE,
    details: { apiUrl },
  });
}
