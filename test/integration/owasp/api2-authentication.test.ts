import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, type TestApi } from '../api/harness.js';

// OWASP API2:2023 Broken Authentication. Missing, malformed and unknown keys: auth.test.ts; a
// rotated key's old secret past its grace and revocation: api-keys.test.ts; the secret compared
// with timingSafeEqual: api/auth/api-key-format.ts. Here: what an attacker tries besides.
describe('OWASP API2 broken authentication', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let org: Awaited<ReturnType<ApiHarness['organization']>>;

  beforeAll(async () => {
    await h.open('owasp_auth');
    api = await h.start();
    org = await h.organization(api, 'Auth');
  });
  afterAll(() => h.finish(api));

  const me = (key?: string, headers: Record<string, string> = {}) =>
    api.request('GET', '/api/v1/me', { ...(key ? { key } : {}), headers });

  it('answers every bad credential with the same 401, so none tells whether a key id exists', async () => {
    const { key, id } = await h.key(api, org.adminKey, 'viewer');
    const wrongSecret = `rp_${id}_${'A'.repeat(40)}`;
    const unknownId = `rp_zzzzzzzzzzzz_${key.slice(-40)}`;
    const answers = [];
    for (const credential of [undefined, '', 'not-a-key', wrongSecret, unknownId, `${key}x`, key.slice(0, -1)]) {
      const res = await me(credential);
      expect(res.status, String(credential)).toBe(401);
      expect(res.body.code).toBe('UNAUTHORIZED');
      answers.push(res.body.error);
    }
    const [, , , ...wellShaped] = answers;
    expect(new Set(wellShaped).size, 'one message for wrong secret and unknown id').toBe(1);
    expect((await me(key)).status).toBe(200);
  });

  it('refuses a key in the query string, in other schemes, or in a cookie', async () => {
    const { key } = await h.key(api, org.adminKey, 'viewer');
    for (const query of ['api_key', 'apiKey', 'key', 'access_token', 'token'])
      expect((await api.request('GET', `/api/v1/me?${query}=${key}`)).status, query).toBe(401);
    expect((await me(undefined, { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` })).status).toBe(
      401,
    );
    expect((await me(undefined, { cookie: `key=${key}; apiKey=${key}` })).status).toBe(401);
  });

  it('names no key, secret or hash in a 401', async () => {
    const { key, id } = await h.key(api, org.adminKey, 'viewer');
    const res = await me(`rp_${id}_${'B'.repeat(40)}`);
    expect(res.text).not.toContain('B'.repeat(40));
    expect(res.text).not.toContain(key.slice(-40));
    expect(res.text.toLowerCase()).not.toContain('hash');
  });
});
