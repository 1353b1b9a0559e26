import { describe, expect, it } from 'vitest';
import type { AgentJobDoc, AgentJobRepository } from '../../db/agent-job-repository.js';
import type { JobKind } from '../../shared/jobs.js';
import { buildJob } from '../../test/support/jobs.js';
import { QueuedJobSignal } from '../../db/queued-job-signal.js';
import { SiteJobFeed } from './site-job-feed.js';

/** An in-memory queue with the repository's two feed methods; counts the queries it answers. */
class FakeQueue {
  jobs: AgentJobDoc[] = [];
  queries = 0;
  private n = 0;

  add(kind: JobKind = 'bmc.status', siteId = 'site_a'): AgentJobDoc {
    const job = buildJob({ _id: `job_${(this.n += 1)}`, siteId, kind });
    this.jobs.push(job);
    return job;
  }

  repository(): AgentJobRepository {
    return {
      queued: async (siteId: string, limit: number) => {
        this.queries += 1;
        return this.jobs.filter((j) => j.siteId === siteId && j.state === 'queued').slice(0, limit);
      },
      queuedSince: async (siteId: string, before: Date) =>
        this.jobs.filter((j) => j.siteId === siteId && j.state === 'queued' && j.createdAt < before),
      claimQueued: async (id: string) => {
        const job = this.jobs.find((j) => j._id === id && j.state === 'queued');
        if (!job) return null;
        job.state = 'claimed';
        job.claimToken = `token-${id}`;
        return job;
      },
    } as unknown as AgentJobRepository;
  }
}

const timing = { idleIntervalMs: 200, hotIntervalMs: 5 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SiteJobFeed', () => {
  it('hands a job queued while a claim waits to that claim', async () => {
    const queue = new FakeQueue();
    const feed = new SiteJobFeed(queue.repository(), 60_000, timing);
    const claim = feed.claim('site_a', { waitMs: 2_000 });
    await sleep(20);
    const job = queue.add();
    expect((await claim)?._id).toBe(job._id);
  });

  it('answers null when nothing comes within the wait', async () => {
    const feed = new SiteJobFeed(new FakeQueue().repository(), 60_000, timing);
    const started = Date.now();
    expect(await feed.claim('site_a', { waitMs: 100 })).toBeNull();
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('serves every waiting claim of a site with one query per tick, each job to exactly one claim', async () => {
    const queue = new FakeQueue();
    const feed = new SiteJobFeed(queue.repository(), 60_000, timing);
    const claims = Array.from({ length: 8 }, () => feed.claim('site_a', { waitMs: 2_000 }));
    await sleep(450); // about three idle ticks
    expect(queue.queries).toBeLessThanOrEqual(4);
    for (let i = 0; i < 8; i++) queue.add();
    const jobs = await Promise.all(claims);
    expect(new Set(jobs.map((j) => j?._id)).size).toBe(8);
  });

  it('polls fast right after a job finished, slowly when the site is quiet', async () => {
    const queue = new FakeQueue();
    const feed = new SiteJobFeed(queue.repository(), 60_000, timing);
    const quiet = feed.claim('site_a', { waitMs: 5_000 });
    await sleep(30);
    let t = Date.now();
    queue.add();
    await quiet;
    const quietLatency = Date.now() - t;
    const busy = feed.claim('site_a', { waitMs: 5_000 });
    await sleep(30);
    feed.markBusy('site_a');
    await sleep(30);
    t = Date.now();
    queue.add();
    await busy;
    const busyLatency = Date.now() - t;
    expect(busyLatency).toBeLessThan(50);
    expect(quietLatency).toBeGreaterThan(busyLatency);
  });

  it('fetches a job at once when its queueing is rung in this process, on a quiet site too', async () => {
    const queue = new FakeQueue();
    const signal = new QueuedJobSignal();
    const feed = new SiteJobFeed(
      queue.repository(),
      60_000,
      { idleIntervalMs: 1_000, hotIntervalMs: 5 },
      undefined,
      signal,
    );
    const claim = feed.claim('site_a', { waitMs: 5_000 });
    await sleep(50); // the feed has polled once and sleeps its idle second
    const t = Date.now();
    const job = queue.add();
    signal.ring('site_b'); // another site's ring wakes nobody here
    await sleep(30);
    expect(queue.jobs[0]!.state).toBe('queued');
    signal.ring('site_a');
    expect((await claim)?._id).toBe(job._id);
    expect(Date.now() - t).toBeLessThan(300);
  });

  it('stays at the fast pause for a few empty polls after a job finished before backing off', async () => {
    const queue = new FakeQueue();
    const feed = new SiteJobFeed(queue.repository(), 60_000, { idleIntervalMs: 1_000, hotIntervalMs: 10 });
    const claim = feed.claim('site_a', { waitMs: 5_000 });
    await sleep(20);
    feed.markBusy('site_a');
    const before = queue.queries;
    await sleep(45); // the next job of a workflow typically comes a workflow task or two later
    const t = Date.now();
    queue.add();
    await claim;
    expect(queue.queries - before).toBeGreaterThanOrEqual(4);
    expect(Date.now() - t).toBeLessThan(100);
  });

  it('gives a claim only jobs of the kinds it asked for', async () => {
    const queue = new FakeQueue();
    const feed = new SiteJobFeed(queue.repository(), 60_000, timing);
    queue.add('ssh.wipe');
    const bmcOnly = feed.claim('site_a', { waitMs: 500, kinds: ['bmc.power'] });
    await sleep(30);
    const power = queue.add('bmc.power');
    expect((await bmcOnly)?._id).toBe(power._id);
    expect(queue.jobs[0]!.state).toBe('queued');
  });

  it('keeps jobs that wait in the queue alive while the site’s agent polls, and only then', async () => {
    const queue = new FakeQueue();
    const beats: string[] = [];
    const feed = new SiteJobFeed(
      queue.repository(),
      60_000,
      { idleIntervalMs: 20, hotIntervalMs: 5 },
      {
        everyMs: 40,
        olderThanMs: 20,
        heartbeat: async (job) => {
          beats.push(job._id);
        },
      },
    );
    const waiting = queue.add('ssh.wipe');
    // The agent polls, but for other kinds: the wipe waits in the queue meanwhile.
    expect(await feed.claim('site_a', { waitMs: 300, kinds: ['bmc.power'] })).toBeNull();
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(new Set(beats)).toEqual(new Set([waiting._id]));
    const seen = beats.length;
    await sleep(200); // nobody polls: a dead agent's jobs are left to time out
    expect(beats.length).toBe(seen);
  });

  it('never hands a job to a claim whose caller hung up, nor another site’s job', async () => {
    const queue = new FakeQueue();
    const feed = new SiteJobFeed(queue.repository(), 60_000, timing);
    const abort = new AbortController();
    const gone = feed.claim('site_a', { waitMs: 2_000, signal: abort.signal });
    abort.abort();
    expect(await gone).toBeNull();
    queue.add('bmc.status', 'site_b');
    expect(await feed.claim('site_a', { waitMs: 100 })).toBeNull();
    expect(queue.jobs.every((j) => j.state === 'queued')).toBe(true);
  });
});
