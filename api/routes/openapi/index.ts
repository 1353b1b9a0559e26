import { reply } from '../../http/define-route.js';
import { z } from 'zod';
import type { RouteModule } from '../index.js';

/** `GET /api/v1/openapi.json`: the OpenAPI 3.1 document generated from the routes' own zod schemas. Public. */
export const openApiRoutes: RouteModule = ({ container, route, registry }) => {
  let cached: Record<string, unknown> | undefined;
  route(
    {
      method: 'get',
      path: '/api/v1/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This API’s OpenAPI 3.1 document',
      tags: ['meta'],
      auth: 'none',
      responses: {
        200: { description: 'OpenAPI 3.1 document', schema: z.looseObject({ openapi: z.literal('3.1.0') }) },
      },
    },
    () => {
      cached ??= registry.document({
        title: 'Rackpilot API',
        version: container.version.version,
        description: 'Bare-metal servers to Talos Kubernetes clusters. Colony (Konstruct) API compatible.',
      });
      return reply(200, cached as { openapi: '3.1.0' });
    },
  );
};
