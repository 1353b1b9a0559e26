import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { AgentApiError } from '../api-client/api-errors.js';
import type { ClaimedJob } from '../api-client/agent-api-client.js';
import type { JobHandlers } from '../jobs/job-context.js';
import { startJob, type JobRunnerDeps } from './job-runner.js';

const job = {
  id: 'job_1',
  kind: 'bmc.status',
  payload: { assetId: 'ast_0123456789abcdef' },
  attempt: 1,
  claimToken: 'tok',
} as unknown as ClaimedJob;

const down = () => new AgentApiError('API unreachable', { code: 'API_UNREACHABLE', status: 0 });

/** A runner whose API fails the first `failures` reports with `error`, and records every call. */
function harness(failures: number, error: () => Error = down, patienceMs?: number) {
  const calls: string[] = [];
  const paused: number[] = [];
  let left = failures;
  const api: JobRunnerDeps['api'] = {
    jobHeartbeat: async () => undefined,
    completeJob: async () => {
      calls.push('complete');
      if (left-- > 0) throw error();
    },
    failJob: async () => {
      calls.push('fail');
      if (left-- > 0) throw error();
    },
  };
  const handlers = { 'bmc.status': async () => ({ powerState: 'on' }) } as unknown as JobHandlers;
  const deps: JobRunnerDeps = {
    api,
    handlers,
    makeScope: ((scope: { signal: AbortSignal }) => ({ ctx: { signal: scope.signal }, dispose: async () => undefined })) as unknown as JobRunnerDeps['makeScope'],
    heartbeatMs: 60_000,
    logger: createLogger('test', { level: 'silent' }),
    reportPatienceMs: patienceMs,
    sleep: async (ms) => {
      paused.push(ms);
    },
  };
  return { calls, paused, deps };
}

describe('reporting a finished job', () => {
  it('offers the outcome again while the API does not answer, so a restart does not cost a re-run', async () => {
    const h = harness(3);
    expect(await startJob(job, h.deps).done).toBe('completed');
    expect(h.calls).toEqual(['complete', 'complete', 'complete', 'complete']);
    expect(h.paused).toHaveLength(3);
  });

  it('leaves the job to its lease once the patience is spent', async () => {
    const h = harness(1_000, down, 0);
    expect(await startJob(job, h.deps).done).toBe('abandoned');
    expect(h.calls).toEqual(['complete']);
  });

  it('does not retry what the API refused: a withdrawn job is dropped, a rejected report abandoned', async () => {
    const withdrawn = harness(1, () => new AgentApiError('withdrawn', { code: 'JOB_WITHDRAWN', status: 409 }));
    expect(await startJob(job, withdrawn.deps).done).toBe('withdrawn');
    const refused = harness(1, () => new AgentApiError('bad', { code: 'VALIDATION_FAILED', status: 400 }));
    expect(await startJob(job, refused.deps).done).toBe('abandoned');
    expect(refused.calls).toEqual(['complete']);
  });
});
