import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { createRackpilotClient, unwrap } from './rackpilot-client.js';

/** A fetch that records each request and answers with `answer`. */
function fakeFetch(answer: (req: Request) => Response) {
  const seen: Request[] = [];
  return {
    seen,
    fetch: async (req: Request) => {
      seen.push(req);
      return answer(req);
    },
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the typed client', () => {
  it('sends the key as a Bearer token to the API’s paths, query serialized, and returns the data', async () => {
    const f = fakeFetch(() => json(200, { sites: [], page: 2, perPage: 5, total: 0 }));
    const client = createRackpilotClient({ apiUrl: 'http://127.0.0.1:8080/', apiKey: 'rp_k', fetch: f.fetch });
    const body = await unwrap(client.GET('/api/v1/sites', { params: { query: { page: 2, perPage: 5 } } }));
    expect(body).toEqual({ sites: [], page: 2, perPage: 5, total: 0 });
    expect(f.seen[0]!.url).toBe('http://127.0.0.1:8080/api/v1/sites?page=2&perPage=5');
    expect(f.seen[0]!.headers.get('authorization')).toBe('Bearer rp_k');
  });

  it('fills path parameters, keeps the literal colon of assets:bulk, and sends JSON bodies', async () => {
    const f = fakeFetch(() => json(200, { results: [], created: 0, failed: 0 }));
    const client = createRackpilotClient({ apiUrl: 'http://api', apiKey: 'rp_k', fetch: f.fetch });
    await unwrap(client.POST('/api/v1/assets:bulk', { body: { assets: [{ a: 1 }] } }));
    await unwrap(client.GET('/api/v1/assets/{id}', { params: { path: { id: 'ast_0123456789abcdef' } } })).catch(
      () => 0,
    );
    expect(f.seen[0]!.url).toBe('http://api/api/v1/assets:bulk');
    expect(await f.seen[0]!.json()).toEqual({ assets: [{ a: 1 }] });
    expect(f.seen[1]!.url).toBe('http://api/api/v1/assets/ast_0123456789abcdef');
  });

  it('throws ApiError with the API’s body for a non-2xx answer', async () => {
    const f = fakeFetch(() => json(409, { error: 'Asset is busy', code: 'ASSET_BUSY', details: { state: 'wiping' } }));
    const client = createRackpilotClient({ apiUrl: 'http://api', apiKey: 'rp_k', fetch: f.fetch });
    const failed = unwrap(
      client.POST('/api/v1/assets/{id}/wipe', { params: { path: { id: 'ast_1' } }, body: { mode: 'quick' } }),
    );
    await expect(failed).rejects.toBeInstanceOf(ApiError);
    await expect(failed).rejects.toMatchObject({ status: 409, code: 'ASSET_BUSY', details: { state: 'wiping' } });
  });

  it('turns a request that got no answer into ApiError status 0', async () => {
    const client = createRackpilotClient({
      apiUrl: 'http://127.0.0.1:9',
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    await expect(unwrap(client.GET('/api/v1/sites'))).rejects.toMatchObject({ status: 0, code: 'API_UNREACHABLE' });
  });

  it('reads a text answer (the kubeconfig) with parseAs text', async () => {
    const f = fakeFetch(() => new Response('apiVersion: v1\n', { headers: { 'content-type': 'application/yaml' } }));
    const client = createRackpilotClient({ apiUrl: 'http://api', apiKey: 'rp_k', fetch: f.fetch });
    const yaml = await unwrap(
      client.GET('/api/v1/clusters/{id}/kubeconfig', { params: { path: { id: 'clu_1' } }, parseAs: 'text' }),
    );
    expect(yaml).toBe('apiVersion: v1\n');
  });
});
