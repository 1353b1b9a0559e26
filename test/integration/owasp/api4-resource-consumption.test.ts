import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, type TestApi } from '../api/harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
type Json = any;

/** Opens an SSE stream; resolves with its status once the headers arrived, and a way to close it. */
async function openStream(
  api: TestApi,
  key: string,
): Promise<{ status: number; retryAfter: string | null; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(`${api.url}/api/v1/events`, {
    headers: { authorization: `Bearer ${key}` },
    signal: controller.signal,
  });
  if (res.status !== 200) await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), close: () => controller.abort() };
}

// OWASP API4:2023 Unrestricted Resource Consumption. Body size (413): errors.test.ts "answers a
// body over the limit with 413 PAYLOAD_TOO_LARGE, chunked or not"; rate limit (429, Retry-After):
// rate-limit.test.ts; a 10 kB id: conformance/not-found-ids.test.ts. Here: page size on every list
// route and SSE streams per key.
describe('OWASP API4 resource consumption', () => {
  const h = new ApiHarness();
  let api: TestApi;
  let org: Awaited<ReturnType<ApiHarness['organization']>>;

  beforeAll(async () => {
    await h.open('owasp_consumption');
    api = await h.start({ env: { RACKPILOT_EVENTS_MAX_STREAMS_PER_KEY: '2', RACKPILOT_BODY_LIMIT_BYTES: '4096' } });
    org = await h.organization(api, 'Consumption');
  });
  afterAll(() => h.finish(api));

  it('caps the page size of every list route at 500, as documented', async () => {
    const doc = (await api.request('GET', '/api/v1/openapi.json')).body;
    const lists = Object.entries(doc.paths as Record<string, Record<string, { parameters?: Json[] }>>)
      .filter(([path, item]) => !path.includes('{') && item.get?.parameters?.some((p) => p.name === 'perPage'))
      .map(([path, item]) => [path, item.get!.parameters!.find((p) => p.name === 'perPage')] as const);
    expect(lists.length).toBeGreaterThanOrEqual(6);
    for (const [path, perPage] of lists) {
      expect(perPage.schema.maximum, path).toBe(500);
      const res = await api.request('GET', `${path}?perPage=501`, { key: org.adminKey });
      expect(res.status, path).toBe(400);
      expect(res.body.details.fields, path).toContainEqual(expect.objectContaining({ in: 'query', field: 'perPage' }));
    }
  });

  it('refuses a body over the configured limit with 413 before parsing it', async () => {
    const res = await api.request('POST', '/api/v1/sites', {
      key: org.adminKey,
      body: { name: 'big', description: 'x'.repeat(5000) },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limitBytes: 4096 } });
  });

  it('holds at most RACKPILOT_EVENTS_MAX_STREAMS_PER_KEY open event streams per key: one more is 429 with Retry-After', async () => {
    const viewer = await h.key(api, org.adminKey, 'viewer');
    const first = await openStream(api, viewer.key);
    const second = await openStream(api, viewer.key);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await openStream(api, viewer.key);
    expect(third.status).toBe(429);
    expect(Number(third.retryAfter)).toBeGreaterThan(0);
    const otherKey = await openStream(api, org.adminKey);
    expect(otherKey.status, 'the limit is per key').toBe(200);
    first.close();
    let again = third;
    for (let i = 0; i < 50 && again.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await openStream(api, viewer.key);
    }
    expect(again.status, 'a closed stream frees its place').toBe(200);
    for (const s of [second, otherKey, again]) s.close();
  });
});
