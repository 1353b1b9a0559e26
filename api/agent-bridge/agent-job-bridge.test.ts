import { describe, expect, it } from 'vitest';
import type { AgentJobRepository } from '../../db/agent-job-repository.js';
import { createLogger } from '../../shared/logger.js';
import { buildJob } from '../../test/support/jobs.js';
import { AgentJobBridge } from './agent-job-bridge.js';
import type { ActivityReporter } from './temporal-port.js';

/** The repository calls the bridge makes, over one in-memory job; counts the reads. */
function fakeJobs() {
  const job = buildJob({
    _id: 'job_1',
    payload: { assetId: 'ast_1' },
    taskToken: Buffer.from('token').toString('base64'),
  });
  const calls = { reads: 0, archived: 0 };
  const guarded = (siteId: string, id: string, token: string) =>
    id === job._id && siteId === job.siteId && job.state === 'claimed' && job.claimToken === token;
  const repository = {
    queued: async (siteId: string) =>
      job.state === 'queued' && siteId === job.siteId ? [{ _id: job._id, siteId, kind: job.kind }] : [],
    claimQueued: async () => {
      if (job.state !== 'queued') return null;
      Object.assign(job, { state: 'claimed', claimToken: 'secret' });
      return { ...job };
    },
    findForSite: async (siteId: string, id: string) => {
      calls.reads += 1;
      return id === job._id && siteId === job.siteId ? { ...job } : null;
    },
    recordHeartbeat: async (siteId: string, id: string, token: string) =>
      guarded(siteId, id, token) ? { ...job } : null,
    finish: async (siteId: string, id: string, token: string, outcome: { state: 'completed' | 'failed' }) => {
      if (!guarded(siteId, id, token)) return null;
      job.state = outcome.state;
      return { ...job };
    },
    archive: async () => {
      calls.archived += 1;
    },
    withdraw: async () => undefined,
  } as unknown as AgentJobRepository;
  return { job, calls, repository };
}

function bridgeOver(repository: AgentJobRepository) {
  const completed: unknown[] = [];
  const activities: ActivityReporter = {
    complete: async (_token, result) => void completed.push(result),
    heartbeat: async () => undefined,
    fail: async () => undefined,
  };
  const bridge = new AgentJobBridge({
    jobs: repository,
    activities,
    storeSecretResult: async (_job, result) => result,
    log: createLogger('test', { level: 'silent' }),
    pollIntervalMs: 5,
  });
  return { bridge, completed };
}

describe('AgentJobBridge', () => {
  it('takes a heartbeat and the result of a job it handed out without reading the job again', async () => {
    const { calls, repository } = fakeJobs();
    const { bridge, completed } = bridgeOver(repository);
    const claimed = await bridge.claim('site_a', { waitMs: 1_000 });
    expect(claimed).toMatchObject({ id: 'job_1', kind: 'bmc.status', claimToken: 'secret' });
    await bridge.heartbeat('site_a', 'job_1', 'secret', { progress: { step: 1 } });
    await bridge.complete('site_a', 'job_1', 'secret', { powerState: 'on' });
    expect(completed).toEqual([{ powerState: 'on' }]);
    expect(calls).toEqual({ reads: 0, archived: 1 });
  });

  it('reads a job another API process handed out, and still checks its result against its kind', async () => {
    const { job, calls, repository } = fakeJobs();
    Object.assign(job, { state: 'claimed', claimToken: 'secret' });
    const { bridge, completed } = bridgeOver(repository);
    await expect(bridge.complete('site_a', 'job_1', 'secret', { device: 'pxe' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(job.state).toBe('claimed');
    await bridge.complete('site_a', 'job_1', 'secret', { powerState: 'off' });
    expect(completed).toEqual([{ powerState: 'off' }]);
    expect(calls.reads).toBe(2);
  });

  it('refuses a wrong claim token as stale (409), another site as not found (404), a second result as stale', async () => {
    const { job, repository } = fakeJobs();
    const { bridge } = bridgeOver(repository);
    await bridge.claim('site_a', { waitMs: 1_000 });
    await expect(bridge.heartbeat('site_a', 'job_1', 'guess', {})).rejects.toMatchObject({ code: 'JOB_STALE' });
    await expect(bridge.complete('site_b', 'job_1', 'secret', { powerState: 'on' })).rejects.toMatchObject({
      code: 'JOB_NOT_FOUND',
    });
    await expect(
      bridge.fail('site_a', 'job_1', 'guess', { type: 'BmcUnreachable', message: 'x', retryable: true }),
    ).rejects.toMatchObject({ code: 'JOB_STALE' });
    expect(job.state).toBe('claimed');
    await bridge.complete('site_a', 'job_1', 'secret', { powerState: 'on' });
    await expect(bridge.complete('site_a', 'job_1', 'secret', { powerState: 'on' })).rejects.toMatchObject({
      code: 'JOB_STALE',
    });
  });

  it('answers a report of a withdrawn job with 409 JOB_WITHDRAWN', async () => {
    const { job, repository } = fakeJobs();
    const { bridge } = bridgeOver(repository);
    await bridge.claim('site_a', { waitMs: 1_000 });
    Object.assign(job, { state: 'withdrawn', withdrawnReason: 'activity cancelled' });
    await expect(bridge.heartbeat('site_a', 'job_1', 'secret', {})).rejects.toMatchObject({ code: 'JOB_WITHDRAWN' });
  });
});
