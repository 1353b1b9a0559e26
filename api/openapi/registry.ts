import { z } from 'zod';
import { ErrorCodes } from '../../shared/errors.js';
import { resourceIdsOf, type ResourceIdMeta } from '../http/resource-id.js';
import { openApiPath, type RouteDoc } from './route-doc.js';

/** The error body every non-2xx response carries. */
export const errorSchema = z
  .strictObject({
    error: z.string().describe('Human-readable message'),
    code: z.string().describe(`Stable code clients branch on (${Object.values(ErrorCodes).join(', ')}, …)`),
    details: z.unknown().describe('Specifics: offending fields of a 400, the request id of a 500, …'),
  })
  .describe('Error');

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: `details.fields` names each offending field (VALIDATION_FAILED, INVALID_JSON)',
  401: 'Missing, invalid or revoked API key (UNAUTHORIZED)',
  403: 'The key’s role may not do this (FORBIDDEN)',
  404: 'Not found, or not in your organization (NOT_FOUND)',
  409: 'Conflicts with the current state (CONFLICT and more specific codes)',
  413: 'Request body too large (PAYLOAD_TOO_LARGE)',
  415: 'Request body is not JSON (UNSUPPORTED_MEDIA_TYPE)',
  429: 'Rate limit exceeded; see `Retry-After` (RATE_LIMITED)',
  500: 'Internal error; `details.requestId` identifies the request (INTERNAL)',
  503: 'A dependency is unavailable (UNAVAILABLE)',
};

const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': { description: 'Requests allowed in the binding window', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in that window', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until that window resets', schema: { type: 'integer' } },
};

/** Collects route declarations and renders the OpenAPI 3.1 document from their zod schemas. */
export class OpenApiRegistry {
  readonly routes: RouteDoc[] = [];

  /** Declares one route. Throws when the same method and path is declared twice. */
  registerOpenApiRoute(doc: RouteDoc): void {
    if (this.routes.some((r) => r.method === doc.method && r.path === doc.path)) {
      throw new Error(`route declared twice: ${doc.method.toUpperCase()} ${doc.path}`);
    }
    if (this.routes.some((r) => r.operationId === doc.operationId))
      throw new Error(`operationId reused: ${doc.operationId}`);
    this.routes.push(doc);
  }

  /** Returns the OpenAPI 3.1 document. */
  document(info: { title: string; version: string; description?: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const route of this.routes) {
      const path = openApiPath(route.path);
      paths[path] ??= {};
      paths[path][route.method] = operation(route);
    }
    return {
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
      paths,
      components: {
        schemas: { Error: jsonSchema(errorSchema, 'output') },
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'API key `rp_<id>_<secret>`' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    };
  }
}

function operation(route: RouteDoc): Record<string, unknown> {
  const authed = (route.auth ?? 'apiKey') === 'apiKey';
  const roles = route.roles ? `\n\nRoles: ${route.roles.join(', ')}.` : '';
  const responses: Record<string, unknown> = {};
  for (const [status, res] of Object.entries(route.responses)) {
    const content = res.schema
      ? { [res.contentType ?? 'application/json']: { schema: jsonSchema(res.schema, 'output') } }
      : undefined;
    responses[status] = {
      description: res.description,
      ...(authed ? { headers: RATE_LIMIT_HEADERS } : {}),
      ...(content ? { content } : {}),
    };
  }
  const errors = new Set<number>([500, ...(route.errors ?? [])]);
  const ids = [...resourceIdsOf(route.request?.params).values()];
  if (ids.length > 0) errors.add(404);
  if (route.request) errors.add(400);
  if (['post', 'put', 'patch'].includes(route.method)) [400, 413, 415].forEach((s) => errors.add(s));
  if (authed) [401, 403, 429].forEach((s) => errors.add(s));
  for (const status of [...errors].sort()) {
    responses[String(status)] = {
      description: status === 404 && ids.length > 0 ? notFoundText(ids) : (ERROR_TEXT[status] ?? `HTTP ${status}`),
      ...(status === 429
        ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } } }
        : {}),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description || roles ? { description: `${route.description ?? ''}${roles}`.trim() } : {}),
    tags: route.tags,
    ...(authed ? { security: [{ bearerAuth: [] }, { apiKeyHeader: [] }] } : { security: [] }),
    ...(route.roles ? { 'x-rackpilot-roles': route.roles } : {}),
    parameters: [...parameters(route.request?.params, 'path'), ...parameters(route.request?.query, 'query')],
    ...(route.request?.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(route.request.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

/** The 404 of a route with resource ids: which code answers an id that names nothing, whatever its shape. */
function notFoundText(ids: ResourceIdMeta[]): string {
  const named = ids.map((m) => `${m.resource.toLowerCase()}: ${m.code}`).join('; ');
  return `${ERROR_TEXT[404]}. An id of any shape that names nothing in your organization answers 404 (${named})`;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Record<string, unknown>[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as {
    properties?: Record<string, { description?: string }>;
    required?: string[];
  };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema, without the `$schema` marker. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  return rest;
}
