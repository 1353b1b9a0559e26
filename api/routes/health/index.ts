import { reply } from '../../http/define-route.js';
import { z } from 'zod';
import type { RouteModule } from '../index.js';

const readySchema = z.strictObject({
  status: z.enum(['ready', 'unavailable']),
  checks: z.strictObject({
    mongodb: z.strictObject({ ok: z.boolean(), error: z.string().optional() }),
    temporal: z.strictObject({ ok: z.boolean(), error: z.string().optional() }),
  }),
});

/**
 * `/healthz` (the process serves), `/readyz` (MongoDB and Temporal answer within the configured
 * timeout; 503 naming the failed ones), `/version`, `/metrics` (Prometheus text). All public.
 */
export const healthRoutes: RouteModule = ({ container, route }) => {
  const tags = ['health'];
  route(
    {
      method: 'get',
      path: '/healthz',
      operationId: 'healthz',
      summary: 'Liveness: the process is up',
      tags,
      auth: 'none',
      responses: { 200: { description: 'Up', schema: z.strictObject({ status: z.literal('ok') }) } },
    },
    () => reply(200, { status: 'ok' }),
  );

  route(
    {
      method: 'get',
      path: '/readyz',
      operationId: 'readyz',
      summary: 'Readiness: MongoDB and Temporal reachable',
      tags,
      auth: 'none',
      responses: {
        200: { description: 'Ready', schema: readySchema },
        503: { description: 'A dependency failed; `checks` says which', schema: readySchema },
      },
    },
    async () => {
      const timeout = container.config.readyTimeoutMs;
      const [mongodb, temporal] = await Promise.all([
        outcome(container.checks.database(timeout)),
        outcome(container.checks.temporal(timeout)),
      ]);
      const ok = mongodb.ok && temporal.ok;
      return ok
        ? reply(200, { status: 'ready', checks: { mongodb, temporal } })
        : reply(503, { status: 'unavailable', checks: { mongodb, temporal } });
    },
  );

  route(
    {
      method: 'get',
      path: '/version',
      operationId: 'version',
      summary: 'Version and git commit of this build',
      tags,
      auth: 'none',
      responses: {
        200: {
          description: 'Build',
          schema: z.strictObject({ name: z.string(), version: z.string(), commit: z.string() }),
        },
      },
    },
    () => reply(200, { name: 'rackpilot-api', ...container.version }),
  );

  route(
    {
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      tags,
      auth: 'none',
      responses: {
        200: { description: 'Prometheus text format', schema: z.string(), contentType: 'text/plain; version=0.0.4' },
      },
    },
    async () => reply(200, await container.metrics.registry.metrics()),
  );
};

async function outcome(check: Promise<void>): Promise<{ ok: boolean; error?: string }> {
  try {
    await check;
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
}
