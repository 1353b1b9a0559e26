/** The path every Rackpilot API serves its OpenAPI 3.1 document at. */
export const OPENAPI_PATH = '/api/v1/openapi.json';

/** An OpenAPI document as JSON (only `openapi` is looked at here). */
export type OpenApiDocument = { openapi: string } & Record<string, unknown>;

/** Fetches the document a running API serves. Throws when the answer is not a 3.x document. */
export async function fetchOpenApiDocument(apiUrl: string): Promise<OpenApiDocument> {
  const res = await fetch(`${apiUrl.replace(/\/+$/, '')}${OPENAPI_PATH}`);
  if (!res.ok) throw new Error(`GET ${OPENAPI_PATH}: HTTP ${res.status}`);
  const doc = (await res.json()) as Partial<OpenApiDocument>;
  if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.')) {
    throw new Error(`GET ${OPENAPI_PATH}: not an OpenAPI 3 document`);
  }
  return doc as OpenApiDocument;
}
