import { createHash, randomBytes } from 'node:crypto';
import { isDuplicateKeyError } from './duplicate-key.js';
import type { Collection, Db } from 'mongodb';
import { claimOnce, claimsCollection, type ClaimDoc } from './claim-once.js';
import type { JobFailure, JobKind, JobState } from '../shared/jobs.js';

/** An `agent_jobs` document: one unit of agent work, tied to one Temporal activity attempt. */
export interface AgentJobDoc {
  _id: string;
  siteId: string;
  kind: JobKind;
  payload: unknown;
  /** Base64 Temporal task token: what the bridge completes. Never leaves the API. */
  taskToken: string;
  /** `<workflowId>/<runId>/<activityId>`: the same across retries of one activity. */
  activityKey: string;
  workflowId: string;
  attempt: number;
  state: JobState;
  /** Secret handed to the claiming agent; every later call must present it. */
  claimToken?: string;
  claimedAt?: Date;
  /** When the agent's completion or failure was recorded. */
  finishedAt?: Date;
  leaseUntil?: Date;
  progress?: unknown;
  logs: string[];
  result?: unknown;
  failure?: JobFailure;
  withdrawnReason?: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * An `agent_job_queue` entry: the index of a queued job. A job's document holds its state; the
 * queue holds only the jobs waiting for an agent and loses each at its claim or withdrawal.
 *
 * Why a collection of its own rather than an index on `agent_jobs`: FerretDB 1.x (our dev and
 * test database) uses no index but `_id` — any other filter reads and decodes every document in
 * Go. `agent_jobs` keeps every job ever run, with its payload, logs and result, so a site poll of
 * it grows with the site's history (bench/README.md, "Database query shapes") — the poll that
 * every agent claim waits on. The queue holds tens of small entries at most.
 * On MongoDB the `{siteId, createdAt}` index serves it either way.
 */
export interface QueuedJobEntry {
  /** The job's `_id`. */
  _id: string;
  siteId: string;
  kind: JobKind;
  activityKey: string;
  attempt: number;
  createdAt: Date;
}

const MAX_LOG_LINES = 200;
const FINAL_STATES: readonly JobState[] = ['completed', 'failed', 'withdrawn'];

/**
 * The id of an activity attempt's job: derived, so that finding whether an attempt already has a
 * job is an `_id` lookup in either collection, and enqueueing the same attempt twice is refused
 * by the `_id` index.
 */
export function jobIdFor(activityKey: string, attempt: number): string {
  return `job_${createHash('sha256').update(`${activityKey}#${attempt}`).digest('hex').slice(0, 16)}`;
}

/**
 * Data access for agent jobs. Every state change is one guarded single-document update.
 *
 * Jobs live in two collections: `agent_jobs` holds the active ones (queued, claimed) and every
 * guarded update runs there; a job that reaches a final state moves to `agent_job_history`. On
 * FerretDB a guarded update reads its whole collection (see QueuedJobEntry), so the collection
 * every claim, heartbeat and completion touches holds what is in flight — a few jobs per
 * machine being worked on — not every job since the database was created. History is read by
 * `_id` or by workflow (status pages), never on the agent's path.
 */
export class AgentJobRepository {
  private readonly jobs: Collection<AgentJobDoc>;
  private readonly history: Collection<AgentJobDoc>;
  private readonly queue: Collection<QueuedJobEntry>;
  private readonly claims: Collection<ClaimDoc>;

  constructor(
    db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.jobs = db.collection<AgentJobDoc>('agent_jobs');
    this.history = db.collection<AgentJobDoc>('agent_job_history');
    this.queue = db.collection<QueuedJobEntry>('agent_job_queue');
    this.claims = claimsCollection(db, 'job_claims');
  }

  /**
   * Creates the indexes and moves finished jobs left in `agent_jobs` to the history: those of a
   * process that died between a job's final update and its move, and, once, every finished job of
   * a database from before the two collections.
   */
  async ensureIndexes(): Promise<void> {
    await this.jobs.createIndex({ workflowId: 1 });
    await this.history.createIndex({ workflowId: 1 });
    await this.queue.createIndex({ siteId: 1, createdAt: 1 });
    await this.queue.createIndex({ activityKey: 1 });
    for (const job of await this.jobs.find({ state: { $in: [...FINAL_STATES] } }).toArray()) await this.archive(job);
  }

  /**
   * Queues a job for one activity attempt, withdrawing the jobs of earlier attempts of the same
   * activity (their completions must no longer count). Re-enqueueing the same attempt returns its
   * job as it is.
   */
  async enqueue(
    job: Pick<AgentJobDoc, 'siteId' | 'kind' | 'payload' | 'taskToken' | 'activityKey' | 'workflowId' | 'attempt'>,
  ): Promise<AgentJobDoc> {
    const at = this.now();
    // Only a retry has earlier attempts to withdraw: a first attempt costs no query here.
    if (job.attempt > 1) {
      const earlier = await this.jobs.find({ activityKey: job.activityKey, attempt: { $lt: job.attempt } }).toArray();
      for (const old of earlier) await this.withdraw(old._id, 'superseded by a retry');
    }
    const _id = jobIdFor(job.activityKey, job.attempt);
    const doc: AgentJobDoc = { _id, ...job, state: 'queued', logs: [], createdAt: at, updatedAt: at };
    let queued = doc;
    // The history is asked alongside the insert, not before it: one round trip on every job.
    const [inserted, finished] = await Promise.allSettled([this.jobs.insertOne(doc), this.history.findOne({ _id })]);
    if (finished.status === 'rejected') throw finished.reason;
    if (finished.value) {
      if (inserted.status === 'fulfilled') await this.jobs.deleteOne({ _id, state: 'queued' });
      return finished.value;
    }
    if (inserted.status === 'rejected') {
      const err: unknown = inserted.reason;
      if (!isDuplicateKeyError(err)) throw err;
      const existing = (await this.jobs.findOne({ _id })) ?? (await this.history.findOne({ _id }));
      if (!existing) throw err;
      // The same attempt again (an activity re-run after a crash): still queued means the first
      // run may have died before its queue entry was written.
      if (existing.state !== 'queued') return existing;
      queued = existing;
    }
    await ignoreDuplicate(
      this.queue.insertOne({
        _id: queued._id,
        siteId: queued.siteId,
        kind: queued.kind,
        activityKey: queued.activityKey,
        attempt: queued.attempt,
        createdAt: queued.createdAt,
      }),
    );
    return queued;
  }

  /** Up to `limit` queued jobs of `siteId`, oldest first (candidates: claiming decides who gets one). */
  queued(siteId: string, limit: number, kinds?: readonly JobKind[]): Promise<QueuedJobEntry[]> {
    const filter: Record<string, unknown> = { siteId };
    if (kinds && kinds.length > 0) filter.kind = { $in: kinds };
    return this.queue.find(filter).sort({ createdAt: 1 }).limit(limit).toArray();
  }

  /** Jobs of `siteId` still queued that were queued before `before` (at most 1000, oldest first). */
  async queuedSince(siteId: string, before: Date): Promise<AgentJobDoc[]> {
    const entries = await this.queue
      .find({ siteId, createdAt: { $lt: before } })
      .sort({ createdAt: 1 })
      .limit(1000)
      .toArray();
    const found = await Promise.all(entries.map((entry) => this.jobs.findOne({ _id: entry._id })));
    const jobs: AgentJobDoc[] = [];
    for (const [i, job] of found.entries()) {
      if (job?.state === 'queued') jobs.push(job);
      else await this.queue.deleteOne({ _id: entries[i]!._id });
    }
    return jobs;
  }

  /**
   * Claims one queued job for the caller, or returns null when another claimant got it first.
   * Concurrent pollers (several API processes, one agent's many long-polls) never get the same
   * job: a unique claim document decides.
   */
  async claimQueued(jobId: string, leaseMs: number): Promise<AgentJobDoc | null> {
    const claimToken = randomBytes(16).toString('hex');
    const won = await claimOnce(this.claims, jobId, claimToken, undefined, this.now);
    // Claimed by someone, now or by a claimant that died mid-claim: no longer waiting either way.
    const dequeued = this.queue.deleteOne({ _id: jobId });
    if (!won) {
      await dequeued;
      return null;
    }
    const at = this.now();
    const [claimed] = await Promise.all([
      this.jobs.findOneAndUpdate(
        { _id: jobId, state: 'queued' },
        {
          $set: {
            state: 'claimed',
            claimToken,
            claimedAt: at,
            leaseUntil: new Date(at.getTime() + leaseMs),
            updatedAt: at,
          },
        },
        { returnDocument: 'after' },
      ),
      dequeued,
    ]);
    return claimed;
  }

  /** The job, active or finished, if it belongs to `siteId` (another site's job is indistinguishable from none). */
  async findForSite(siteId: string, jobId: string): Promise<AgentJobDoc | null> {
    // By `_id` alone, the site checked here: FerretDB answers only that from its index.
    const job = (await this.jobs.findOne({ _id: jobId })) ?? (await this.history.findOne({ _id: jobId }));
    return job?.siteId === siteId ? job : null;
  }

  /** Records progress and log lines on a claimed job of `siteId` and extends its lease; null if no longer claimed. */
  async recordHeartbeat(
    siteId: string,
    jobId: string,
    claimToken: string,
    progress: unknown,
    logs: string[],
    leaseMs: number,
  ): Promise<AgentJobDoc | null> {
    const at = this.now();
    return this.jobs.findOneAndUpdate(
      { _id: jobId, siteId, state: 'claimed', claimToken },
      {
        $set: { progress, leaseUntil: new Date(at.getTime() + leaseMs), updatedAt: at },
        $push: { logs: { $each: logs, $slice: -MAX_LOG_LINES } },
      },
      { returnDocument: 'after' },
    );
  }

  /**
   * Moves a claimed job of `siteId` to a final state; null when it was not claimed with this token (stale).
   * The job stays among the active ones until {@link archive}: the caller first tells Temporal.
   */
  async finish(
    siteId: string,
    jobId: string,
    claimToken: string,
    outcome: { state: 'completed'; result: unknown } | { state: 'failed'; failure: JobFailure },
  ): Promise<AgentJobDoc | null> {
    const set = outcome.state === 'completed' ? { result: outcome.result } : { failure: outcome.failure };
    const at = this.now();
    const job = await this.jobs.findOneAndUpdate(
      { _id: jobId, siteId, state: 'claimed', claimToken },
      { $set: { ...set, state: outcome.state, finishedAt: at, updatedAt: at } },
      { returnDocument: 'after' },
    );
    return job;
  }

  /** Withdraws a job whose activity is gone (cancelled, timed out, retried). */
  async withdraw(jobId: string, reason: string): Promise<void> {
    await this.queue.deleteOne({ _id: jobId });
    const job = await this.jobs.findOneAndUpdate(
      { _id: jobId, state: { $in: ['queued', 'claimed'] } },
      { $set: { state: 'withdrawn', withdrawnReason: reason, updatedAt: this.now() } },
      { returnDocument: 'after' },
    );
    if (job) await this.archive(job);
  }

  /** Every job of a workflow, active or finished, oldest first (for status pages and tests). */
  async listForWorkflow(workflowId: string): Promise<AgentJobDoc[]> {
    const [active, finished] = await Promise.all([
      this.jobs.find({ workflowId }).toArray(),
      this.history.find({ workflowId }).toArray(),
    ]);
    const byId = new Map<string, AgentJobDoc>();
    for (const job of [...active, ...finished]) byId.set(job._id, job); // a job caught mid-move: its history copy
    return [...byId.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /** Deletes the finished jobs last changed before `before`; returns how many. */
  async pruneHistory(before: Date): Promise<number> {
    return (await this.history.deleteMany({ updatedAt: { $lt: before } })).deletedCount;
  }

  /**
   * Deletes the claims made before `before`; returns how many. A claim decides only who takes a
   * queued job, at once; a job claimed a retention period ago (days, where the longest job may
   * run 6 hours) is finished or withdrawn.
   */
  async pruneClaims(before: Date): Promise<number> {
    return (await this.claims.deleteMany({ at: { $lt: before } })).deletedCount;
  }

  /** Copies a finished job to the history, then removes it from the active jobs. */
  async archive(job: AgentJobDoc): Promise<void> {
    await ignoreDuplicate(this.history.insertOne(job));
    await this.jobs.deleteOne({ _id: job._id });
  }
}

async function ignoreDuplicate(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
}
