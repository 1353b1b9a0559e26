import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { errorHandler } from '../middleware/error-handler.js';
import { securityHeaders } from '../middleware/security-headers.js';
import { UI_CONTENT_SECURITY_POLICY, staticUi } from './static-ui.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends `path` exactly as written (fetch would normalise `..` away before it left the process). */
function raw(base: string, method: string, path: string): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard static route', () => {
  let dir: string;
  let server: Server;
  let base: string;
  let missingBase: string;
  let missingServer: Server;

  const listen = (app: Koa): Promise<Server> =>
    new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
  const appOver = (root: string): Koa => {
    const app = new Koa();
    app.silent = true;
    app.use(errorHandler(createLogger('test', { level: 'silent' })));
    app.use(securityHeaders);
    app.use(staticUi({ root }));
    app.use((ctx) => {
      ctx.body = { passedThrough: ctx.path };
    });
    return app;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rackpilot-static-ui-'));
    const root = join(dir, 'dist');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>Rackpilot</title>');
    await writeFile(join(root, 'assets', 'index-abc123.js'), 'export {};');
    await writeFile(join(root, 'assets', 'index-abc123.css'), 'body{}');
    await writeFile(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(root, '.build-hash'), 'deadbeef');
    await writeFile(join(dir, 'secret.txt'), 'outside the root');
    server = await listen(appOver(root));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    missingServer = await listen(appOver(join(dir, 'not-built')));
    missingBase = `http://127.0.0.1:${(missingServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.close();
    missingServer?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at /ui/ as HTML with a strict CSP, revalidated on every load', async () => {
    const res = await raw(base, 'GET', '/ui/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>Rackpilot</title>');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(UI_CONTENT_SECURITY_POLICY);
    expect(UI_CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(UI_CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(UI_CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('gives each asset its content type; hashed assets are cached for a year as immutable', async () => {
    const js = await raw(base, 'GET', '/ui/assets/index-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^(application|text)\/javascript; charset=utf-8$/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = await raw(base, 'GET', '/ui/assets/index-abc123.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const svg = await raw(base, 'GET', '/ui/favicon.svg');
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.headers['cache-control']).toBe('no-cache');
    expect(svg.headers['content-security-policy']).toBe(UI_CONTENT_SECURITY_POLICY);
  });

  it('redirects / and /ui to /ui/', async () => {
    for (const path of ['/', '/ui']) {
      const res = await raw(base, 'GET', path);
      expect(res.status, path).toBe(302);
      expect(res.headers.location).toBe('/ui/');
    }
  });

  it.each([
    '/ui/../secret.txt',
    '/ui/%2e%2e/secret.txt',
    '/ui/..%2fsecret.txt',
    '/ui/assets/..%2f..%2fsecret.txt',
    '/ui/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/ui/index.html%00.js',
  ])('refuses the traversal %s with 403, naming no path on disk', async (path) => {
    const res = await raw(base, 'GET', path);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'FORBIDDEN' });
    expect(res.body).not.toContain('outside the root');
    expect(res.body).not.toContain(dir);
  });

  it('answers 404 for dot files, directories and missing files, without the path on disk', async () => {
    for (const path of ['/ui/.build-hash', '/ui/assets/', '/ui/assets', '/ui/nope.js', '/ui/%zz']) {
      const res = await raw(base, 'GET', path);
      expect([404, 403], path).toContain(res.status);
      expect(res.body, path).not.toContain(dir);
      expect(res.body, path).not.toContain('deadbeef');
    }
    expect((await raw(base, 'GET', '/ui/.build-hash')).status).toBe(404);
    expect((await raw(base, 'GET', '/ui/nope.js')).status).toBe(404);
  });

  it('refuses writes with 405 and Allow: GET, HEAD; HEAD answers the headers', async () => {
    const post = await raw(base, 'POST', '/ui/');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await raw(base, 'HEAD', '/ui/');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-security-policy']).toBe(UI_CONTENT_SECURITY_POLICY);
  });

  it('leaves every other path to the API, and answers 503 when the build is missing', async () => {
    const api = await raw(base, 'GET', '/api/v1/assets');
    expect(JSON.parse(api.body)).toEqual({ passedThrough: '/api/v1/assets' });
    // The API's own policy (security-headers.ts), not the dashboard's.
    expect(api.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(JSON.parse((await raw(base, 'GET', '/uix')).body)).toEqual({ passedThrough: '/uix' });
    const missing = await raw(missingBase, 'GET', '/ui/');
    expect(missing.status).toBe(503);
    expect(missing.body).toContain('npm run setup');
  });
});
