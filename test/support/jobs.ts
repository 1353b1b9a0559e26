import type { AgentJobDoc } from '../../db/agent-job-repository.js';

/** A queued agent job document for unit tests of the bridge and its feed; `overrides` win. */
export function buildJob(overrides: Partial<AgentJobDoc> & Pick<AgentJobDoc, '_id'>): AgentJobDoc {
  const at = new Date();
  return {
    siteId: 'site_a',
    kind: 'bmc.status',
    payload: {},
    taskToken: '',
    activityKey: `${overrides._id}/activity`,
    workflowId: 'wf',
    attempt: 1,
    state: 'queued',
    logs: [],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}
