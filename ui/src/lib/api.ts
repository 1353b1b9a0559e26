/**
 * The dashboard's way to the API: the project's typed client (`client/`, generated from the
 * served OpenAPI document) over this page's own origin, with the signed-in key on every call.
 */
import {
  createRackpilotClient,
  isApiError,
  unwrap,
  type ApiError,
  type Asset,
  type Cluster,
  type ClusterPlan,
  type CreateClusterBody,
  type RackpilotClient,
  type Site,
  type Workflow,
} from '../../../client/index.js';

export { isApiError, unwrap };
export type { ApiError, Asset, Cluster, ClusterPlan, CreateClusterBody, RackpilotClient, Site, Workflow };

/** The roles a person's key can have (agent keys cannot use the dashboard). */
export type Role = 'admin' | 'operator' | 'viewer';

/** Returns a client that sends `apiKey` with every request to this origin. */
export function connect(apiKey: string): RackpilotClient {
  return createRackpilotClient({ apiUrl: window.location.origin, apiKey });
}

/**
 * The key's role, from `GET /api/v1/me`. Thrown (ApiError) for a key the API refuses (401), and
 * for an agent key (403, confined to the agent endpoints), which the dashboard cannot use.
 */
export async function discoverRole(client: RackpilotClient): Promise<Role> {
  try {
    const me = await unwrap(client.GET('/api/v1/me'));
    if (me.role === 'admin' || me.role === 'operator' || me.role === 'viewer') return me.role;
    throw new Error(`A key of role ${me.role} cannot use the dashboard`);
  } catch (err) {
    if (isApiError(err) && err.status === 403 && (err.details as { role?: unknown } | null)?.role === 'agent')
      throw new Error('An agent key cannot use the dashboard', { cause: err });
    throw err;
  }
}

/** True when the role may change things (create, delete, wipe, download kubeconfigs). */
export function canWrite(role: Role): boolean {
  return role === 'admin' || role === 'operator';
}

/** A one-line description of any error, for the page. */
export function describeError(err: unknown): string {
  if (isApiError(err)) return `${err.message} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}
