import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOpenApiDocument } from '../../../client/openapi-document.js';
import { generateTypes, TYPES_FILE } from '../../../tools/client-types/generate-types.js';
import { servedDocumentInProcess } from '../../../tools/client-types/served-document.js';
import { ApiHarness, type TestApi } from '../api/harness.js';

// The typed client's `client/openapi-types.ts` is generated from the document the API serves; this
// fails when a route's schema changed and the committed types were not regenerated.
describe('the typed client’s generated types', () => {
  const h = new ApiHarness();
  let api: TestApi;

  beforeAll(async () => {
    await h.open('cli_types');
    api = await h.start();
  });
  afterAll(() => h.close());

  it('match the OpenAPI document a real API serves (else: npm run client:generate)', async () => {
    const fresh = await generateTypes(await fetchOpenApiDocument(api.url));
    const committed = await readFile(TYPES_FILE, 'utf8');
    expect(committed === fresh, 'client/openapi-types.ts is stale: run `npm run client:generate`').toBe(true);
  });

  it('are what `npm run client:generate` writes without a running API', async () => {
    expect(await servedDocumentInProcess()).toEqual(await fetchOpenApiDocument(api.url));
  });
});
