import type { Context, Next } from 'koa';

/** API answers are never cached by intermediaries (a created key's secret is in one) nor MIME-sniffed. */
export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Content-Type-Options', 'nosniff');
  await next();
}
