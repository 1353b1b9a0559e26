import Router from '@koa/router';
import type { Container } from '../container.js';
import { auditTrail } from '../http/audit.js';
import { createRouteDefiner, type DefineRoute } from '../http/define-route.js';
import { authenticate } from '../middleware/authenticate.js';
import { rateLimit } from '../middleware/rate-limit.js';
import { OpenApiRegistry } from '../openapi/registry.js';
import { agentRoutes } from './agent/index.js';
import { apiKeyRoutes } from './api-keys/index.js';
import { auditRoutes } from './audit/index.js';
import { healthRoutes } from './health/index.js';
import { openApiRoutes } from './openapi/index.js';
import { assetRoutes } from './assets/index.js';
import { clusterRoutes } from './clusters/index.js';
import { eventRoutes } from './events/index.js';
import { siteRoutes } from './sites/index.js';
import { webhookRoutes } from './webhooks/index.js';
import { workflowRoutes } from './workflows/index.js';

/** What a route module receives: the container, and `route()` to declare each route once. */
export interface RouteApi {
  container: Container;
  route: DefineRoute;
  registry: OpenApiRegistry;
}

/** A resource's routes (`api/routes/<resource>/index.ts` exports one). */
export type RouteModule = (api: RouteApi) => void;

/** Every mounted module, in order. Add a resource by adding its module here. */
const MODULES: RouteModule[] = [
  healthRoutes,
  openApiRoutes,
  apiKeyRoutes,
  auditRoutes,
  agentRoutes,
  siteRoutes,
  assetRoutes,
  workflowRoutes,
  clusterRoutes,
  eventRoutes,
  webhookRoutes,
];

/** Builds the one router of the API and the OpenAPI registry describing it; `extra` modules mount after the built-in ones. */
export function buildRoutes(
  container: Container,
  extra: RouteModule[] = [],
): { router: Router; registry: OpenApiRegistry } {
  const router = new Router();
  const registry = new OpenApiRegistry();
  const route = createRouteDefiner(router, registry, {
    authenticate: authenticate(container.authenticator),
    rateLimit: rateLimit(container.rateLimiter, container.config.rateLimit),
    auditTrail: auditTrail({ sink: container.services.audit, now: container.now, log: container.log }),
    validateResponses: container.config.validateResponses,
    log: container.log,
  });
  for (const mount of [...MODULES, ...extra]) mount({ container, route, registry });
  return { router, registry };
}
