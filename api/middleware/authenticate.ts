import type { Context, Next } from 'koa';
import { AGENT_PATH_PREFIX } from '../../shared/api-types.js';
import { ForbiddenError } from '../../shared/errors.js';
import type { Authenticator } from '../auth/authenticator.js';
import { stateOf } from '../http/state.js';

/** Reads the key from `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(ctx: Context): string | undefined {
  const header = ctx.get('Authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1] : header;
  }
  return ctx.get('X-API-Key') || undefined;
}

/**
 * Authenticates the request and sets `ctx.state.auth = { orgId, keyId, role, siteId? }`.
 * Throws UnauthorizedError (401) for a missing, invalid or revoked key. Agent keys are confined
 * to the agent endpoints here, whatever a route declares (403).
 */
export function authenticate(authenticator: Authenticator) {
  return async function authenticateRequest(ctx: Context, next: Next): Promise<void> {
    const auth = await authenticator.authenticate(presentedKey(ctx));
    if (auth.role === 'agent' && !ctx.path.startsWith(AGENT_PATH_PREFIX)) {
      throw new ForbiddenError('Agent keys may only call the agent endpoints', { role: auth.role });
    }
    stateOf(ctx).auth = auth;
    await next();
  };
}
