import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { z } from 'zod';
import type { Logger } from '../../shared/logger.js';
import type { RouteAudit } from './audit.js';
import { requireRole } from '../middleware/require-role.js';
import type { OpenApiRegistry } from '../openapi/registry.js';
import type { ResponsesDoc, RouteDoc } from '../openapi/route-doc.js';
import { stateOf } from './state.js';
import { validate, type RequestSchemas } from './validate.js';

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** The validated inputs a handler receives. */
export interface RouteInput<Q extends RequestSchemas> {
  body: Parsed<Q['body']>;
  query: Parsed<Q['query']>;
  params: Parsed<Q['params']>;
}

/** What a handler returns: one of its declared statuses with a body of that status's schema. */
export type RouteResult<R extends ResponsesDoc> = {
  [S in keyof R & number]: { status: S; body: R[S]['schema'] extends z.ZodType ? z.input<R[S]['schema']> : undefined };
}[keyof R & number];

/** Builds a handler's result, keeping `status` (and literal body values) precise for type checking. */
export function reply<const S extends number, const B>(status: S, body: B): { status: S; body: B } {
  return { status, body };
}

/** A route handler: validated input in, declared response out. */
export type RouteHandler<Q extends RequestSchemas, R extends ResponsesDoc> = (
  ctx: Context,
  input: RouteInput<Q>,
) => Promise<RouteResult<R>> | RouteResult<R>;

/** Declares a route once: Koa route, middleware and OpenAPI operation. */
export type DefineRoute = <Q extends RequestSchemas, R extends ResponsesDoc>(
  doc: RouteDoc<Q, R>,
  handler: RouteHandler<Q, R>,
) => void;

/** The shared middleware a route's chain is assembled from. */
export interface RouteMiddleware {
  authenticate: Middleware;
  rateLimit: Middleware;
  auditTrail: (declared?: RouteAudit) => Middleware;
  /** Check each success body against its declared schema (dev mode and tests). */
  validateResponses: boolean;
  log: Logger;
}

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

/** Marks the request as routine machine traffic for the audit trail and the access log. */
const markRoutine: Middleware = async (ctx, next) => {
  stateOf(ctx).routine = true;
  await next();
};

/**
 * Returns `route(doc, handler)`: registers the OpenAPI operation and mounts the Koa route with
 * authenticate → rate limit → audit trail (mutations) → role check → validation → handler.
 */
export function createRouteDefiner(router: Router, registry: OpenApiRegistry, mw: RouteMiddleware): DefineRoute {
  return function route<Q extends RequestSchemas, R extends ResponsesDoc>(
    doc: RouteDoc<Q, R>,
    handler: RouteHandler<Q, R>,
  ) {
    registry.registerOpenApiRoute(doc as unknown as RouteDoc);
    const chain: Middleware[] = doc.routine ? [markRoutine] : [];
    if ((doc.auth ?? 'apiKey') === 'apiKey') {
      if (!doc.roles || doc.roles.length === 0)
        throw new Error(`${doc.operationId}: authenticated routes declare their roles`);
      chain.push(mw.authenticate, mw.rateLimit);
      if (MUTATING.has(doc.method)) {
        if (!doc.audit) throw new Error(`${doc.operationId}: mutating routes declare their audit action`);
        chain.push(mw.auditTrail(doc.audit));
      }
      chain.push(requireRole(...doc.roles));
    }
    if (doc.request) chain.push(validate(doc.request));
    chain.push(async (ctx) => {
      const state = stateOf(ctx);
      const input = { body: state.body, query: state.query, params: state.params } as RouteInput<Q>;
      const result = (await handler(ctx, input)) as { status: number; body: unknown };
      const declared = doc.responses[result.status];
      if (mw.validateResponses) checkResponse(doc, result, declared?.schema);
      if (declared?.contentType) ctx.type = declared.contentType;
      ctx.status = result.status;
      if (result.body !== undefined) ctx.body = result.body;
    });
    router[doc.method](doc.path, ...chain);
  };
}

function checkResponse(doc: RouteDoc, result: { status: number; body: unknown }, schema: z.ZodType | undefined): void {
  const where = `${doc.method.toUpperCase()} ${doc.path} → ${result.status}`;
  if (!(result.status in doc.responses)) throw new Error(`${where}: status not declared in the OpenAPI document`);
  if (!schema) {
    if (result.body !== undefined) throw new Error(`${where}: declared without a body but returned one`);
    return;
  }
  const parsed = schema.safeParse(result.body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${where}: response breaks its schema: ${problems}`);
  }
}
