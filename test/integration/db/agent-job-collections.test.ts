import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentJobRepository } from '../../../db/agent-job-repository.js';
import type { JobFailure } from '../../../shared/jobs.js';
import { freshDatabase } from '../../support/services.js';

const FAILURE: JobFailure = { type: 'AgentError', message: 'not mine', retryable: false };

// Jobs are kept in three collections — the queue of waiting jobs (QueuedJobEntry), the active
// jobs, and the history of finished ones — so that what every agent call touches stays small on
// FerretDB. These are the ways they could drift apart, each shown to heal.
describe('agent jobs on the real database: queue, active jobs and history', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let jobs: AgentJobRepository;
  let n = 0;
  const enqueueOn = (repository: AgentJobRepository, siteId: string, attempt: number, activity: string) =>
    repository.enqueue({
      siteId,
      kind: 'bmc.power',
      payload: { assetId: 'a' },
      taskToken: Buffer.from(activity).toString('base64'),
      activityKey: activity,
      workflowId: activity.split('/')[0]!,
      attempt,
    });
  const enqueue = (siteId: string, attempt = 1, activity = `wf-${++n}/run/1`) =>
    enqueueOn(jobs, siteId, attempt, activity);
  const queue = () => database.db.collection<{ _id: string; siteId: string }>('agent_job_queue');
  const active = () => database.db.collection<{ _id: string; state: string }>('agent_jobs');
  const history = () => database.db.collection<{ _id: string; state: string }>('agent_job_history');

  beforeAll(async () => {
    database = await freshDatabase('agent-job-queue');
    jobs = new AgentJobRepository(database.db);
    await jobs.ensureIndexes();
  });
  afterAll(async () => database.close());

  it('lists a site’s queued jobs oldest first, and loses each at its claim, never another site’s', async () => {
    const first = await enqueue('site-q1');
    const second = await enqueue('site-q1');
    const other = await enqueue('site-q2');
    expect((await jobs.queued('site-q1', 10)).map((e) => e._id)).toEqual([first._id, second._id]);

    const claimed = await jobs.claimQueued(first._id, 60_000);
    expect(claimed).toMatchObject({ _id: first._id, state: 'claimed' });
    expect((await jobs.queued('site-q1', 10)).map((e) => e._id)).toEqual([second._id]);
    expect((await jobs.queued('site-q2', 10)).map((e) => e._id)).toEqual([other._id]);
    expect(await jobs.claimQueued(first._id, 60_000)).toBeNull();
  });

  it('drops a withdrawn job, and the earlier attempts of a retried activity', async () => {
    const withdrawn = await enqueue('site-q3');
    await jobs.withdraw(withdrawn._id, 'activity cancelled');
    expect(await jobs.queued('site-q3', 10)).toEqual([]);

    const attempt1 = await enqueue('site-q3', 1, 'wf-retry/run/7');
    const attempt2 = await enqueue('site-q3', 2, 'wf-retry/run/7');
    expect((await jobs.queued('site-q3', 10)).map((e) => e._id)).toEqual([attempt2._id]);
    expect((await jobs.findForSite('site-q3', attempt1._id))?.state).toBe('withdrawn');
  });

  it('forgets an entry whose job a claimant that died mid-claim holds, instead of offering it forever', async () => {
    const job = await enqueue('site-q4');
    // A claimant won the job's claim document and died before updating the job or the queue.
    await database.db.collection('job_claims').insertOne({ _id: job._id, owner: 'dead', at: new Date() } as never);
    expect(await jobs.claimQueued(job._id, 60_000)).toBeNull();
    expect(await jobs.queued('site-q4', 10)).toEqual([]);
    expect(await jobs.queuedSince('site-q4', new Date(Date.now() + 1000))).toEqual([]);
  });

  it('writes the entry again when the same attempt is enqueued after a crash lost it', async () => {
    const job = await enqueue('site-q5', 1, 'wf-crash/run/1');
    await queue().deleteOne({ _id: job._id }); // the first run died between the two writes
    const again = await enqueue('site-q5', 1, 'wf-crash/run/1');
    expect(again._id).toBe(job._id);
    expect((await jobs.queued('site-q5', 10)).map((e) => e._id)).toEqual([job._id]);
    // Enqueued again once it was claimed: the claim stands, nothing is queued anew.
    await jobs.claimQueued(job._id, 60_000);
    expect(await enqueue('site-q5', 1, 'wf-crash/run/1')).toMatchObject({ _id: job._id, state: 'claimed' });
    expect(await jobs.queued('site-q5', 10)).toEqual([]);
  });

  it('hands the keep-alive the full documents of the jobs queued before a time, dropping entries gone stale', async () => {
    const old = await enqueue('site-q6');
    const cutoff = new Date(Date.now() + 5);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const gone = await enqueue('site-q6');
    const young = await enqueue('site-q6');
    await database.db.collection('agent_jobs').updateOne({ _id: gone._id } as never, { $set: { state: 'withdrawn' } });
    const waiting = await jobs.queuedSince('site-q6', cutoff);
    expect(waiting.map((j) => [j._id, j.taskToken.length > 0])).toEqual([[old._id, true]]);
    expect(await jobs.queuedSince('site-q6', new Date(Date.now() + 1000))).toHaveLength(2);
    expect((await jobs.queued('site-q6', 10)).map((e) => e._id)).toEqual([old._id, young._id]);
  });

  it('moves a job to the history when it finishes, where the bridge and status pages still find it', async () => {
    const job = await enqueue('site-q7', 1, 'wf-done/run/1');
    const claimed = (await jobs.claimQueued(job._id, 60_000))!;
    expect(await active().findOne({ _id: job._id })).toMatchObject({ state: 'claimed' });
    // Another site's agent cannot finish it, even with the claim token.
    expect(
      await jobs.finish('another-site', job._id, claimed.claimToken!, { state: 'failed', failure: FAILURE }),
    ).toBeNull();
    const done = await jobs.finish('site-q7', job._id, claimed.claimToken!, {
      state: 'completed',
      result: { ok: true },
    });
    expect(done).toMatchObject({ _id: job._id, state: 'completed', result: { ok: true } });
    await jobs.archive(done!);
    expect(await active().findOne({ _id: job._id })).toBeNull();
    expect(await history().findOne({ _id: job._id })).toMatchObject({ state: 'completed' });
    expect(await jobs.findForSite('site-q7', job._id)).toMatchObject({ state: 'completed' });
    expect(await jobs.findForSite('another-site', job._id)).toBeNull();
    expect((await jobs.listForWorkflow('wf-done')).map((j) => [j._id, j.state])).toEqual([[job._id, 'completed']]);
    // A stale second report of the same job changes nothing.
    expect(await jobs.finish('site-q7', job._id, claimed.claimToken!, { state: 'completed', result: {} })).toBeNull();
    // Enqueueing the finished attempt again returns it as it was, and queues nothing.
    expect(await enqueue('site-q7', 1, 'wf-done/run/1')).toMatchObject({ _id: job._id, state: 'completed' });
    expect(await jobs.queued('site-q7', 10)).toEqual([]);
    expect(await active().findOne({ _id: job._id })).toBeNull();
  });

  it('moves a withdrawn job to the history too, with its reason', async () => {
    const job = await enqueue('site-q8');
    await jobs.claimQueued(job._id, 60_000);
    await jobs.withdraw(job._id, 'activity cancelled');
    expect(await active().findOne({ _id: job._id })).toBeNull();
    expect(await jobs.findForSite('site-q8', job._id)).toMatchObject({
      state: 'withdrawn',
      withdrawnReason: 'activity cancelled',
    });
  });

  it('sweeps finished jobs left among the active ones (a crash mid-move, or data from before) at start-up', async () => {
    const job = await enqueue('site-q9', 1, 'wf-left/run/1');
    await active().updateOne({ _id: job._id }, { $set: { state: 'failed' } });
    await jobs.ensureIndexes();
    expect(await active().findOne({ _id: job._id })).toBeNull();
    expect((await jobs.listForWorkflow('wf-left')).map((j) => j.state)).toEqual(['failed']);
  });

  it('forgets finished jobs and their claims after the retention period, never an active job', async () => {
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    const old = new AgentJobRepository(database.db, () => longAgo);
    const job = await enqueueOn(old, 'site-q8', 1, 'wf-old/run/1');
    const claimed = (await old.claimQueued(job._id, 60_000))!;
    await old.archive((await old.finish('site-q8', job._id, claimed.claimToken!, { state: 'completed', result: {} }))!);
    const recent = await enqueue('site-q8');
    await jobs.claimQueued(recent._id, 60_000);
    const stillQueued = await enqueueOn(old, 'site-q8', 1, 'wf-long/run/1');

    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    expect(await jobs.pruneHistory(cutoff)).toBe(1);
    expect(await jobs.pruneClaims(cutoff)).toBe(1);
    expect(await jobs.findForSite('site-q8', job._id)).toBeNull();
    expect(await jobs.findForSite('site-q8', recent._id)).toMatchObject({ state: 'claimed' });
    expect(await jobs.findForSite('site-q8', stillQueued._id)).toMatchObject({ state: 'queued' });
    const claims = database.db.collection<{ _id: string }>('job_claims');
    expect(await claims.findOne({ _id: job._id })).toBeNull();
    expect(await claims.findOne({ _id: recent._id })).not.toBeNull();
    expect(await jobs.pruneHistory(cutoff)).toBe(0);
  });
});
