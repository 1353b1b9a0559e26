import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OpenApiRegistry } from './registry.js';
import type { RouteDoc } from './route-doc.js';

type Op = {
  operationId: string;
  security: unknown[];
  parameters: { name: string; in: string; required: boolean; schema: { type?: string } }[];
  requestBody?: { content: Record<string, { schema: { required?: string[] } }> };
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: unknown }> }>;
  'x-rackpilot-roles'?: string[];
};

describe('OpenApiRegistry', () => {
  const registry = new OpenApiRegistry();
  registry.registerOpenApiRoute({
    method: 'post',
    path: '/api/v1/things/:id/poke',
    operationId: 'pokeThing',
    summary: 'Poke',
    tags: ['things'],
    roles: ['admin', 'operator'],
    request: {
      params: z.strictObject({ id: z.string() }),
      query: z.strictObject({
        dryRun: z.enum(['true', 'false']).optional(),
        times: z.coerce.number().int().default(1),
      }),
      body: z.strictObject({ reason: z.string(), force: z.boolean().default(false) }),
    },
    responses: { 202: { description: 'Accepted', schema: z.strictObject({ workflowId: z.string() }) } },
    errors: [404, 409],
  });
  registry.registerOpenApiRoute({
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'Up',
    tags: ['health'],
    auth: 'none',
    responses: { 200: { description: 'Up' } },
  });
  const doc = registry.document({ title: 'T', version: '1' }) as { paths: Record<string, Record<string, Op>> };
  const poke = doc.paths['/api/v1/things/{id}/poke']?.post as Op;

  it('converts Koa paths and lists path and query parameters from the zod schemas', () => {
    expect(poke.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'dryRun', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] } },
      expect.objectContaining({ name: 'times', in: 'query', required: false }),
    ]);
  });

  it('documents the request body as input (defaults make fields optional)', () => {
    expect(poke.requestBody?.content['application/json']?.schema.required).toEqual(['reason']);
  });

  it('adds the errors every authenticated, body-taking route can answer, with the shared Error schema', () => {
    expect(Object.keys(poke.responses).sort()).toEqual([
      '202',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '415',
      '429',
      '500',
    ]);
    expect(poke.responses['429']?.headers).toHaveProperty('Retry-After');
    expect(poke.responses['202']?.headers).toHaveProperty('RateLimit-Remaining');
    expect(poke.responses['404']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/Error',
    });
    expect(poke.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    expect(poke['x-rackpilot-roles']).toEqual(['admin', 'operator']);
  });

  it('marks public routes as needing no credential and adds no auth errors', () => {
    const health = doc.paths['/healthz']?.get as Op;
    expect(health.security).toEqual([]);
    expect(Object.keys(health.responses).sort()).toEqual(['200', '500']);
  });

  it('refuses a route or operation id declared twice', () => {
    const again: RouteDoc = {
      method: 'get',
      path: '/healthz',
      operationId: 'other',
      summary: '',
      tags: [],
      auth: 'none',
      responses: {},
    };
    expect(() => registry.registerOpenApiRoute(again)).toThrow(/declared twice/);
    expect(() => registry.registerOpenApiRoute({ ...again, path: '/x', operationId: 'healthz' })).toThrow(
      /operationId reused/,
    );
  });
});
