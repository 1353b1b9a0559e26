import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Context, Next } from 'koa';
import send from 'koa-send';
import { ForbiddenError, MethodNotAllowedError, NotFoundError, UnavailableError } from '../../shared/errors.js';

/** Where the dashboard is served. */
export const UI_PATH = '/ui';

/** The build `npm run setup` writes (tools/setup/ui-build.ts), beside the sources. */
export const DEFAULT_UI_ROOT = fileURLToPath(new URL('../../ui/dist/', import.meta.url));

/**
 * The policy of every dashboard response: scripts, styles and API calls from this origin only, no
 * inline code (the build has none), no framing, no plugins, forms post nowhere else.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Vite names the files under `assets/` by their content hash: a changed file gets a new name. */
const HASHED_ASSETS = /^assets\/[^/]+$/;
const ONE_YEAR_S = 365 * 24 * 3600;
const READ_METHODS = ['GET', 'HEAD'];

/**
 * Serves the dashboard build at `/ui/` (no authentication: it holds no data and no secret; every
 * data call it makes carries the user's API key) and redirects `/` there. Files are sent by
 * koa-send, which resolves them inside `root` only (`..`, encoded or not, is refused), skips dot
 * files and sets the content type from the extension. Hashed assets are cached for a year,
 * everything else is revalidated; each answer carries a strict Content-Security-Policy.
 * Every other path passes through untouched.
 */
export function staticUi(options: { root?: string } = {}) {
  const root = options.root ?? DEFAULT_UI_ROOT;
  return async function serveUi(ctx: Context, next: Next): Promise<void> {
    if (ctx.path === '/' && READ_METHODS.includes(ctx.method)) {
      ctx.redirect(`${UI_PATH}/`);
      return;
    }
    if (ctx.path !== UI_PATH && !ctx.path.startsWith(`${UI_PATH}/`)) return next();
    // A bounded metrics label for every dashboard request (observe.ts reads the router's field).
    (ctx as { _matchedRoute?: string })._matchedRoute = `${UI_PATH}/*`;
    setBrowserHeaders(ctx);
    if (!READ_METHODS.includes(ctx.method)) {
      if (ctx.method === 'OPTIONS') {
        ctx.set('Allow', READ_METHODS.join(', '));
        ctx.status = 204;
        return;
      }
      throw new MethodNotAllowedError(ctx.method, READ_METHODS);
    }
    if (ctx.path === UI_PATH) {
      ctx.redirect(`${UI_PATH}/`);
      return;
    }
    if (!(await isBuilt(root))) throw new UnavailableError('The dashboard is not built: run `npm run setup`');
    const file = ctx.path.slice(UI_PATH.length + 1) || 'index.html';
    ctx.set('Cache-Control', HASHED_ASSETS.test(file) ? `public, max-age=${ONE_YEAR_S}, immutable` : 'no-cache');
    const sent = await sendFile(ctx, file, root);
    if (!sent) throw new NotFoundError(`No dashboard file ${ctx.path}`);
  };
}

/** True when the build directory exists (checked per request: setup may build it while the API runs). */
function isBuilt(root: string): Promise<boolean> {
  return access(root).then(
    () => true,
    () => false,
  );
}

function setBrowserHeaders(ctx: Context): void {
  ctx.set('Content-Security-Policy', UI_CONTENT_SECURITY_POLICY);
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
  ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), usb=(), serial=()');
}

/**
 * Sends `file` (relative to `root`); returns false when it is a directory or a dot file. koa-send's
 * own errors name the absolute path on disk, so they are replaced by messages that do not.
 */
async function sendFile(ctx: Context, file: string, root: string): Promise<boolean> {
  try {
    const path = await send(ctx, file, { root, hidden: false, gzip: false, brotli: false });
    return typeof path === 'string' && path !== '';
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    if (status === 404) return false;
    if (status === 400 || status === 403) throw new ForbiddenError('Path refused', { path: ctx.path });
    throw err;
  }
}
