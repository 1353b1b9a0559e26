import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, type TestApi, type TestResponse } from '../api/harness.js';

const CONSOLE = 'https://console.example.test';

// OWASP API8:2023 Security Misconfiguration. A 500 never shows its message or stack: errors.test.ts
// "answers an unexpected failure with 500 INTERNAL and the request id, never the message or stack";
// no CORS headers unless configured: errors.test.ts "sends no CORS headers unless origins are configured".
describe('OWASP API8 security misconfiguration', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let org: Awaited<ReturnType<ApiHarness['organization']>>;

  beforeAll(async () => {
    await h.open('owasp_misconfig');
    api = await h.start({ env: { RACKPILOT_CORS_ORIGINS: CONSOLE } });
    org = await h.organization(api, 'Headers');
  });
  afterAll(() => h.finish(api));

  function expectHardened(res: TestResponse, what: string): void {
    expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
    expect(res.headers.get('cache-control'), what).toBe('no-store');
    expect(res.headers.get('content-security-policy'), what).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options'), what).toBe('DENY');
    expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
    expect(res.headers.get('x-powered-by'), what).toBeNull();
    expect(res.headers.get('server'), what).toBeNull();
  }

  it('sends the security headers on successes and on every kind of error', async () => {
    const answers: [string, TestResponse][] = [
      ['200', await api.request('GET', '/api/v1/me', { key: org.adminKey })],
      ['public', await api.request('GET', '/healthz')],
      ['401', await api.request('GET', '/api/v1/me')],
      ['404', await api.request('GET', '/api/v1/nowhere', { key: org.adminKey })],
      ['405', await api.request('PUT', '/api/v1/me', { key: org.adminKey })],
      ['400', await api.request('POST', '/api/v1/sites', { key: org.adminKey, body: '{' })],
    ];
    for (const [what, res] of answers) expectHardened(res, what);
  });

  it('never shows a stack, a file path or a driver message in an error body', async () => {
    const bodies = [
      await api.request('POST', '/api/v1/sites', { key: org.adminKey, body: '{"name": ' }),
      await api.request('POST', '/api/v1/sites', {
        key: org.adminKey,
        body: 'x',
        headers: { 'content-type': 'text/plain' },
      }),
      await api.request('GET', '/api/v1/assets?perPage=abc&sort=%00', { key: org.adminKey }),
      await api.request('GET', '/api/v1/assets/%E0%A4%A', { key: org.adminKey }),
    ];
    for (const res of bodies) {
      expect(res.status, res.text).toBeGreaterThanOrEqual(400);
      expect(res.status, res.text).toBeLessThan(500);
      expect(res.text).not.toMatch(/\n\s+at |\.ts:\d+|node_modules|\/work\/|Mongo|SyntaxError/);
    }
  });

  it('answers CORS only for configured origins, never with credentials', async () => {
    const preflight = (origin: string) =>
      api.request('OPTIONS', '/api/v1/assets', {
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const stranger = await preflight('https://evil.example');
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect(stranger.headers.get('access-control-allow-methods')).toBeNull();
    const strangerGet = await api.request('GET', '/api/v1/me', {
      key: org.adminKey,
      headers: { origin: 'https://evil.example' },
    });
    expect(strangerGet.headers.get('access-control-allow-origin')).toBeNull();
    const known = await preflight(CONSOLE);
    expect(known.status).toBe(204);
    expect(known.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    expect(known.headers.get('access-control-allow-credentials')).toBeNull();
    expect(known.headers.get('vary')).toMatch(/Origin/i);
    const nullOrigin = await preflight('null');
    expect(nullOrigin.headers.get('access-control-allow-origin')).toBeNull();
  });
});
