import type { Role } from '../../shared/api-types.js';

/** Who is calling: set on `ctx.state.auth` by the authenticate middleware. */
export interface AuthContext {
  orgId: string;
  keyId: string;
  role: Role;
  /** Set for `agent` keys only: the one site the agent serves. */
  siteId?: string;
}
