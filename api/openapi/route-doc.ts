import type { z } from 'zod';
import type { Role } from '../../shared/api-types.js';
import type { RequestSchemas } from '../http/validate.js';

/** HTTP methods routes may use. */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One documented success response. */
export interface ResponseDoc {
  description: string;
  /** Body schema; omit for an empty body. */
  schema?: z.ZodType;
  /** Defaults to `application/json`. */
  contentType?: string;
}

/** The success responses of a route, by status. */
export type ResponsesDoc = Record<number, ResponseDoc>;

/**
 * Everything a route declares about itself, once: the Koa route, its middleware (auth, roles,
 * validation, audit) and its OpenAPI operation are all derived from this.
 */
export interface RouteDoc<Q extends RequestSchemas = RequestSchemas, R extends ResponsesDoc = ResponsesDoc> {
  method: HttpMethod;
  /** Koa path syntax: `/api/v1/api-keys/:id`. */
  path: string;
  /** Stable operation id (camelCase), e.g. `createApiKey`. */
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** `apiKey` (default) authenticates and rate-limits; `none` is public. */
  auth?: 'apiKey' | 'none';
  /** Roles allowed; omit on public routes. */
  roles?: readonly Role[];
  request?: Q;
  responses: R;
  /** Mutating routes: the audit action and target type, recorded even when the request fails early. */
  audit?: { action: string; targetType: string };
  /**
   * Machine traffic that follows the work Rackpilot hands out, several calls a second all day (the
   * agent's job protocol): answered calls leave no audit row and only a debug access-log line; a
   * refused one (stale claim token, foreign job) is audited and logged like any request.
   */
  routine?: true;
  /** Error statuses this route answers besides the automatic ones (400/401/403/429/500). */
  errors?: number[];
}

/** Converts `/a/:id/b` to OpenAPI's `/a/{id}/b`; an escaped colon (`/assets\\:bulk`) stays a literal `:`. */
export function openApiPath(koaPath: string): string {
  return koaPath.replace(/(?<!\\):([A-Za-z0-9_]+)/g, '{$1}').replace(/\\:/g, ':');
}
