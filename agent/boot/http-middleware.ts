/**
 * The boot server's two middlewares: the one error path (shared error classes → `{ error, code,
 * details }` and their status; anything else a 500 `INTERNAL` without a stack) and request logs
 * that never carry a config token.
 */
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { ErrorCodes, isRackpilotError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';

/** Maps thrown errors to JSON responses; must be the first middleware. */
export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: 'Not found', code: ErrorCodes.NotFound };
      }
    } catch (err) {
      if (isRackpilotError(err)) {
        ctx.status = err.status;
        ctx.body = { error: err.message, code: err.code, details: err.details };
        return;
      }
      const requestId = randomUUID();
      logger.error({ err, requestId, path: safePath(ctx.path) }, 'boot server request failed');
      ctx.status = 500;
      ctx.body = { error: 'Internal error', code: ErrorCodes.Internal, details: { requestId } };
    }
  };
}

/** Logs one line per request with method, redacted path, MAC, status and duration. */
export function requestLogMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const mac = typeof ctx.query['mac'] === 'string' ? ctx.query['mac'].slice(0, 32) : undefined;
      logger.info(
        {
          method: ctx.method,
          path: safePath(ctx.path),
          mac,
          status: ctx.status,
          remote: ctx.ip,
          ms: Math.round(performance.now() - started),
        },
        'boot request',
      );
    }
  };
}

/** The path with a config token replaced: tokens grant access to machine configs. */
export function safePath(path: string): string {
  return path.replace(/^\/config\/[^/]*/, '/config/[redacted]').slice(0, 200);
}
