import type { Context, Next } from 'koa';

/** What API answers (JSON, YAML, SSE) may load or be framed by: nothing (the dashboard sets its own policy). */
const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * API answers are never cached by intermediaries (a created key's secret is in one), MIME-sniffed,
 * framed or sent with a Referer (OWASP REST Security Cheat Sheet, "Security headers").
 */
export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Content-Security-Policy', API_CONTENT_SECURITY_POLICY);
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  await next();
}
