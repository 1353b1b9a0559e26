import type Router from '@koa/router';
import type { Context } from 'koa';
import { MethodNotAllowedError, NotFoundError } from '../../shared/errors.js';

/**
 * Runs when no route handled the request: 405 METHOD_NOT_ALLOWED with `Allow` when the path
 * exists for other methods (204 with `Allow` for OPTIONS), else 404 NOT_FOUND.
 */
export function noRoute(router: Router) {
  return function answerNoRoute(ctx: Context): void {
    const matched = router.match(ctx.path, ctx.method).path;
    const allow = [...new Set(matched.flatMap((layer) => layer.methods))].sort();
    if (allow.length === 0) throw new NotFoundError(`No route for ${ctx.method} ${ctx.path}`);
    ctx.set('Allow', allow.join(', '));
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      return;
    }
    throw new MethodNotAllowedError(ctx.method, allow);
  };
}
