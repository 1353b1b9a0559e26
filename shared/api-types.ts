/**
 * Vocabulary of the API shared with other processes (the agent authenticates with an `agent` key).
 * Types only and constants; no I/O.
 */

/** What an API key may do. */
export const Roles = {
  /** Everything, including API keys, sites and the audit log. */
  Admin: 'admin',
  /** Provision, wipe, clusters; reads everything an operator needs. */
  Operator: 'operator',
  /** Read only. */
  Viewer: 'viewer',
  /** An on-site agent: only the agent endpoints, only for its own site. */
  Agent: 'agent',
} as const;

export type Role = (typeof Roles)[keyof typeof Roles];

/** Every role, in decreasing order of power among the human roles, then the agent. */
export const ALL_ROLES: readonly Role[] = [Roles.Admin, Roles.Operator, Roles.Viewer, Roles.Agent];

/** The roles of people and their automation (everything but `agent`). */
export const HUMAN_ROLES: readonly Role[] = [Roles.Admin, Roles.Operator, Roles.Viewer];

/** Path prefix of the endpoints an agent key may call; no other key may call them. */
export const AGENT_PATH_PREFIX = '/api/v1/agent/';

/** The list envelope: `{ "<resource>": [...], page, perPage, total }`. */
export type ListEnvelope<K extends string, T> = { [P in K]: T[] } & { page: number; perPage: number; total: number };

/** The error body of every non-2xx answer. */
export interface ErrorBody {
  error: string;
  code: string;
  details: unknown;
}
