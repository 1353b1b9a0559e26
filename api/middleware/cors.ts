import type { Context, Next } from 'koa';

const ALLOW_HEADERS = 'Authorization, X-API-Key, Content-Type, X-Request-Id';
const EXPOSE_HEADERS =
  'X-Request-Id, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, Retry-After';

/**
 * CORS for browser consoles. Off when `origins` is empty (no header is ever sent); `*` allows any
 * origin. Credentials (cookies) are never allowed: API keys travel in headers. Preflights are
 * answered here with 204.
 */
export function cors(origins: readonly string[]) {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return async function applyCors(ctx: Context, next: Next): Promise<void> {
    const origin = ctx.get('Origin');
    if (origins.length === 0 || !origin) return next();
    ctx.vary('Origin');
    if (!any && !allowed.has(origin)) return next();
    ctx.set('Access-Control-Allow-Origin', any ? '*' : origin);
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method')) {
      ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      ctx.set('Access-Control-Allow-Headers', ALLOW_HEADERS);
      ctx.set('Access-Control-Max-Age', '600');
      ctx.status = 204;
      return;
    }
    ctx.set('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    await next();
  };
}
