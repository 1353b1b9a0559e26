import type Router from '@koa/router';
import Koa from 'koa';
import type { Container } from './container.js';
import { staticUi } from './http/static-ui.js';
import { cors } from './middleware/cors.js';
import { errorHandler } from './middleware/error-handler.js';
import { jsonBody } from './middleware/json-body.js';
import { noRoute } from './middleware/no-route.js';
import { observe } from './middleware/observe.js';
import { requestId } from './middleware/request-id.js';
import { securityHeaders } from './middleware/security-headers.js';
import type { OpenApiRegistry } from './openapi/registry.js';
import { buildRoutes, type RouteModule } from './routes/index.js';

const mounted = new WeakMap<Koa, { router: Router; registry: OpenApiRegistry }>();

/**
 * Builds the Koa application over a container. Never listens: server.ts does, tests use
 * `app.callback()` on port 0. Order: request id → metrics/access log → the one error path →
 * headers → dashboard files (`/ui/`) → CORS → JSON body → routes → 404/405.
 */
export function createApp(container: Container, options: { extraModules?: RouteModule[] } = {}): Koa {
  const app = new Koa();
  app.proxy = false;
  // Every error is answered by errorHandler; Koa's default handler would log raw errors to stderr.
  app.silent = true;
  const { router, registry } = buildRoutes(container, options.extraModules);
  mounted.set(app, { router, registry });
  app.use(requestId);
  app.use(observe(container.metrics, container.log));
  app.use(errorHandler(container.log));
  app.use(securityHeaders);
  app.use(staticUi());
  app.use(cors(container.config.corsOrigins));
  app.use(jsonBody(container.config.bodyLimitBytes));
  app.use(router.routes());
  app.use(noRoute(router));
  return app;
}

/** The router and OpenAPI registry mounted in `app` (for the route-coverage test and tooling). */
export function routesOf(app: Koa): { router: Router; registry: OpenApiRegistry } {
  const routes = mounted.get(app);
  if (!routes) throw new Error('not an app built by createApp');
  return routes;
}
