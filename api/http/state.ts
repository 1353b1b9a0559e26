import type { Context } from 'koa';
import { UnauthorizedError } from '../../shared/errors.js';
import type { AuthContext } from '../auth/roles.js';
import type { AuditNote } from './audit.js';

/** What the middleware chain keeps on `ctx.state`. */
export interface ApiState {
  requestId: string;
  /** Set by `authenticate`. */
  auth?: AuthContext;
  /** Set by `validate`: the parsed body, query and path parameters. */
  body?: unknown;
  query?: unknown;
  params?: unknown;
  /** Set by the route definer on routine machine traffic (RouteDoc.routine). */
  routine?: boolean;
  /** Set by handlers through `audit()`. */
  audit?: AuditNote;
}

/** The typed view of `ctx.state`. */
export function stateOf(ctx: Context): ApiState {
  return ctx.state as ApiState;
}

/** Returns the caller. Throws UnauthorizedError on a route mounted without `authenticate` (a wiring bug made safe). */
export function authOf(ctx: Context): AuthContext {
  const auth = stateOf(ctx).auth;
  if (!auth) throw new UnauthorizedError();
  return auth;
}
