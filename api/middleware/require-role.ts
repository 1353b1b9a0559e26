import type { Context, Next } from 'koa';
import type { Role } from '../../shared/api-types.js';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import type { AuthContext } from '../auth/roles.js';
import { authOf } from '../http/state.js';

/** Lets the request through only when the key's role is one of `roles`; otherwise 403 FORBIDDEN. */
export function requireRole(...roles: Role[]) {
  return async function checkRole(ctx: Context, next: Next): Promise<void> {
    const auth = authOf(ctx);
    if (!roles.includes(auth.role)) {
      throw new ForbiddenError(`Role ${auth.role} may not perform this action`, { role: auth.role, allowed: roles });
    }
    await next();
  };
}

/**
 * Checks that an agent key acts only on its own site. Human keys pass (their organization scope is
 * enforced by the repositories). Throws NotFoundError, like any resource outside the caller's reach.
 */
export function assertSiteScope(auth: AuthContext, siteId: string): void {
  if (auth.role === 'agent' && auth.siteId !== siteId) throw new NotFoundError(`Site ${siteId} not found`);
}
