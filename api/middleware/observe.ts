import type { Context, Next } from 'koa';
import type { Logger } from '../../shared/logger.js';
import type { HttpMetrics } from '../metrics.js';
import { stateOf } from '../http/state.js';

/**
 * Records every request once it is answered: the request counter and latency histogram by route
 * template (never the raw path, to keep label cardinality bounded) and status, and one access-log
 * line (no headers, no body: nothing secret).
 */
export function observe(metrics: HttpMetrics, log: Logger) {
  return async function observeRequest(ctx: Context, next: Next): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = String((ctx as { _matchedRoute?: unknown })._matchedRoute ?? 'unmatched');
      const labels = { method: ctx.method, route, status: String(ctx.status) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);
      const state = stateOf(ctx);
      // Routine machine traffic (RouteDoc.routine): answered calls are debug lines, refusals stay visible.
      const level = state.routine && ctx.status < 400 ? 'debug' : 'info';
      log[level](
        {
          requestId: state.requestId,
          method: ctx.method,
          route,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(seconds * 1e4) / 10,
          keyId: state.auth?.keyId,
        },
        'request',
      );
    }
  };
}
