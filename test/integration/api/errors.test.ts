import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteModule } from '../../../api/routes/index.js';
import { ApiHarness, type TestApi } from './harness.js';

/** A module whose handler fails the way a bug would, with a secret-looking message. */
const explodingRoute: RouteModule = ({ route }) =>
  route(
    {
      method: 'get',
      path: '/test/explode',
      operationId: 'explode',
      summary: 'Throws',
      tags: ['test'],
      auth: 'none',
      responses: { 200: { description: 'never', schema: z.strictObject({}) } },
    },
    () => {
      throw new Error('db password=hunter2 at /srv/app.js:12');
    },
  );

describe('the one error path', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let key: string;

  beforeAll(async () => {
    await h.open('api_errors');
    api = await h.start({ env: { RACKPILOT_BODY_LIMIT_BYTES: '4096' }, extraModules: [explodingRoute] });
    key = (await h.organization(api)).adminKey;
  });
  afterAll(async () => {
    h.assertNoSecretsLogged();
    await h.close();
  });

  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    const res = await api.request('POST', '/api/v1/api-keys', { key, body: '{"name": "ci", "role": ' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'INVALID_JSON',
      error: 'Malformed JSON body',
      details: { reason: 'The body is not valid JSON' },
    });
    const scalar = await api.request('POST', '/api/v1/api-keys', { key, body: '"just a string"' });
    expect(scalar.body).toMatchObject({
      code: 'INVALID_JSON',
      details: { reason: 'The body must be a JSON object or array' },
    });
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE, chunked or not', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(5000), role: 'viewer' });
    const res = await api.request('POST', '/api/v1/api-keys', { key, body: big });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      error: 'Request body too large',
      code: 'PAYLOAD_TOO_LARGE',
      details: { limitBytes: 4096 },
    });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const chunked = await fetch(`${api.url}/api/v1/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('enforces the default 1 MiB limit', async () => {
    const defaults = await h.start();
    const k = (await h.organization(defaults)).adminKey;
    const body = JSON.stringify({ name: 'x'.repeat(1024 * 1024), role: 'viewer' });
    expect((await defaults.request('POST', '/api/v1/api-keys', { key: k, body })).status).toBe(413);
  });

  it('answers a non-JSON body with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await api.request('POST', '/api/v1/api-keys', {
      key,
      body: 'name=ci',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    const res = await api.request('GET', '/api/v1/nothing-here', { key });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'No route for GET /api/v1/nothing-here', code: 'NOT_FOUND', details: null });
  });

  it('answers a wrong method with 405 METHOD_NOT_ALLOWED and Allow', async () => {
    const res = await api.request('PUT', '/api/v1/api-keys', { key, body: {} });
    expect(res.status, res.text).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(res.body).toMatchObject({ code: 'METHOD_NOT_ALLOWED', details: { allow: ['GET', 'HEAD', 'POST'] } });
    const options = await api.request('OPTIONS', '/api/v1/api-keys/abcdefabcdef');
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('DELETE, GET, HEAD');
  });

  it('answers an unexpected failure with 500 INTERNAL and the request id, never the message or stack', async () => {
    const res = await api.request('GET', '/test/explode', { headers: { 'x-request-id': 'req-boom-1' } });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: 'Internal server error',
      code: 'INTERNAL',
      details: { requestId: 'req-boom-1' },
    });
    expect(res.text).not.toMatch(/hunter2|app\.js|at /);
    expect(res.headers.get('x-request-id')).toBe('req-boom-1');
    const logged = h.logs.lines.filter((l) => l.includes('req-boom-1') && l.includes('unhandled error'));
    expect(logged).toHaveLength(1);
  });

  it('mints a request id when the caller sends none or an unusable one', async () => {
    const minted = await api.request('GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(minted.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends no CORS headers unless origins are configured', async () => {
    const off = await api.request('GET', '/healthz', { headers: { origin: 'https://console.example.com' } });
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
    const corsApi = await h.start({ env: { RACKPILOT_CORS_ORIGINS: 'https://console.example.com' } });
    const preflight = await corsApi.request('OPTIONS', '/api/v1/api-keys', {
      headers: { origin: 'https://console.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
    const actual = await corsApi.request('GET', '/api/v1/api-keys', {
      headers: { origin: 'https://console.example.com' },
    });
    expect(actual.status).toBe(401);
    expect(actual.headers.get('access-control-expose-headers')).toContain('RateLimit-Remaining');
    const stranger = await corsApi.request('GET', '/healthz', { headers: { origin: 'https://evil.example' } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });
});
