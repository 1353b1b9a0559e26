import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { TestApi } from './harness.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type RequestBodies = Record<
  string,
  Record<string, { requestBody?: { content: Record<string, { schema: object } | undefined> } } | undefined>
>;

/**
 * Returns a check of a body against the request body schema of `method template` in the served
 * OpenAPI document (JSON Schema 2020-12, formats asserted), read as a client or a fuzzer reads it:
 * tests hold the route's answer next to it, so the document and the zod schema are seen to agree.
 */
export async function documentedBody(
  api: TestApi,
  method: string,
  template: string,
): Promise<(body: unknown) => boolean> {
  const paths = (await api.request('GET', '/api/v1/openapi.json')).body.paths as RequestBodies;
  const schema = paths[template]?.[method.toLowerCase()]?.requestBody?.content['application/json']?.schema;
  if (!schema) throw new Error(`${method} ${template} documents no JSON request body`);
  const validate = addFormats(new Ajv2020({ strict: false })).compile(schema);
  return (body) => validate(body);
}
