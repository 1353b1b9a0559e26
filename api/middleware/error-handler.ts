import type { Context, Next } from 'koa';
import {
  ErrorCodes,
  MethodNotAllowedError,
  RateLimitedError,
  UnauthorizedError,
  isRackpilotError,
} from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';

/**
 * The one error path of the API (STYLE.md §7): maps Rackpilot errors to `{ error, code, details }`
 * with their status; anything else becomes 500 INTERNAL carrying the request id, never a stack.
 */
export function errorHandler(log: Logger) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      const requestId = String(ctx.state.requestId ?? '');
      if (isRackpilotError(err)) {
        ctx.status = err.status;
        const fallback = err.status >= 500 ? { requestId } : null;
        ctx.body = { error: err.message, code: err.code, details: err.details ?? fallback };
        if (err instanceof RateLimitedError) ctx.set('Retry-After', String(err.retryAfterSeconds));
        if (err instanceof MethodNotAllowedError) ctx.set('Allow', err.allow.join(', '));
        if (err instanceof UnauthorizedError) ctx.set('WWW-Authenticate', 'Bearer realm="rackpilot"');
        if (err.status >= 500) log.error({ err, requestId, method: ctx.method, path: ctx.path }, err.message);
        return;
      }
      const status = httpStatusOf(err);
      if (status !== undefined && status < 500) {
        // Errors raised by Koa's own helpers (ctx.throw, body parser): safe, expected.
        ctx.status = status;
        ctx.body = { error: (err as Error).message, code: codeForStatus(status), details: null };
        return;
      }
      log.error({ err, requestId, method: ctx.method, path: ctx.path }, 'unhandled error');
      ctx.remove('Content-Disposition');
      ctx.status = 500;
      ctx.body = { error: 'Internal server error', code: ErrorCodes.Internal, details: { requestId } };
    }
  };
}

function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status =
    (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return ErrorCodes.ValidationFailed;
    case 401:
      return ErrorCodes.Unauthorized;
    case 403:
      return ErrorCodes.Forbidden;
    case 404:
      return ErrorCodes.NotFound;
    case 405:
      return ErrorCodes.MethodNotAllowed;
    case 413:
      return ErrorCodes.PayloadTooLarge;
    default:
      return `HTTP_${status}`;
  }
}
