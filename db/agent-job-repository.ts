import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { claimOnce, claimsCollection, type ClaimDoc } from './claim-once.js';
import type { JobFailure, JobKind, JobState } from '../shared/jobs.js';
import { newId } from './ids.js';

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

const MAX_LOG_LINES = 200;

/** Data access for agent jobs. Every state change is one guarded single-document update. */
export class AgentJobRepository {
  private readonly jobs: Collection<AgentJobDoc>;
  private readonly claims: Collection<ClaimDoc>;

  constructor(
    db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.jobs = db.collection<AgentJobDoc>('agent_jobs');
    this.claims = claimsCollection(db, 'job_claims');
  }

  async ensureIndexes(): Promise<void> {
    await this.jobs.createIndex({ activityKey: 1, attempt: 1 }, { unique: true });
    await this.jobs.createIndex({ siteId: 1, state: 1, createdAt: 1 });
    await this.jobs.createIndex({ workflowId: 1 });
  }

  /**
   * Queues a job for one activity attempt, withdrawing the jobs of earlier attempts of the same
   * activity (their completions must no longer count). Re-inserting the same attempt is a no-op.
   */
  async enqueue(
    job: Pick<AgentJobDoc, 'siteId' | 'kind' | 'payload' | 'taskToken' | 'activityKey' | 'workflowId' | 'attempt'>,
  ): Promise<AgentJobDoc> {
    const at = this.now();
    // Only a retry has earlier attempts to withdraw: a first attempt costs no write here.
    if (job.attempt > 1)
      await this.jobs.updateMany(
        { activityKey: job.activityKey, attempt: { $lt: job.attempt }, state: { $in: ['queued', 'claimed'] } },
        { $set: { state: 'withdrawn', withdrawnReason: 'superseded by a retry', updatedAt: at } },
      );
    const doc: AgentJobDoc = { _id: newId('job'), ...job, state: 'queued', logs: [], createdAt: at, updatedAt: at };
    try {
      await this.jobs.insertOne(doc);
      return doc;
    } catch (err) {
      if (isDuplicateKey(err)) {
        const existing = await this.jobs.findOne({ activityKey: job.activityKey, attempt: job.attempt });
        if (existing) return existing;
      }
      throw err;
    }
  }

  /** Up to `limit` queued jobs of `siteId`, oldest first (candidates: claiming decides who gets one). */
  queued(siteId: string, limit: number, kinds?: readonly JobKind[]): Promise<AgentJobDoc[]> {
    const filter: Record<string, unknown> = { siteId, state: 'queued' };
    if (kinds && kinds.length > 0) filter.kind = { $in: kinds };
    return this.jobs.find(filter).sort({ createdAt: 1 }).limit(limit).toArray();
  }

  /** Jobs of `siteId` still queued that were queued before `before` (at most 1000, oldest first). */
  queuedSince(siteId: string, before: Date): Promise<AgentJobDoc[]> {
    return this.jobs
      .find({ siteId, state: 'queued', createdAt: { $lt: before } })
      .sort({ createdAt: 1 })
      .limit(1000)
      .toArray();
  }

  /**
   * Claims one queued job for the caller, or returns null when another claimant got it first.
   * Concurrent pollers (several API processes, one agent's many long-polls) never get the same
   * job: a unique claim document decides.
   */
  async claimQueued(jobId: string, leaseMs: number): Promise<AgentJobDoc | null> {
    const claimToken = randomBytes(16).toString('hex');
    if (!(await claimOnce(this.claims, jobId, claimToken, undefined, this.now))) return null;
    const at = this.now();
    return this.jobs.findOneAndUpdate(
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
    );
  }

  /** The job, if it belongs to `siteId` (another site's job is indistinguishable from none). */
  findForSite(siteId: string, jobId: string): Promise<AgentJobDoc | null> {
    return this.jobs.findOne({ _id: jobId, siteId });
  }

  /** Records progress and log lines on a claimed job and extends its lease; null if no longer claimed. */
  async recordHeartbeat(
    jobId: string,
    claimToken: string,
    progress: unknown,
    logs: string[],
    leaseMs: number,
  ): Promise<AgentJobDoc | null> {
    const at = this.now();
    return this.jobs.findOneAndUpdate(
      { _id: jobId, state: 'claimed', claimToken },
      {
        $set: { progress, leaseUntil: new Date(at.getTime() + leaseMs), updatedAt: at },
        $push: { logs: { $each: logs, $slice: -MAX_LOG_LINES } },
      },
      { returnDocument: 'after' },
    );
  }

  /** Moves a claimed job to a final state; null when it was not claimed with this token (stale). */
  async finish(
    jobId: string,
    claimToken: string,
    outcome: { state: 'completed'; result: unknown } | { state: 'failed'; failure: JobFailure },
  ): Promise<AgentJobDoc | null> {
    const set = outcome.state === 'completed' ? { result: outcome.result } : { failure: outcome.failure };
    const at = this.now();
    return this.jobs.findOneAndUpdate(
      { _id: jobId, state: 'claimed', claimToken },
      { $set: { ...set, state: outcome.state, finishedAt: at, updatedAt: at } },
      { returnDocument: 'after' },
    );
  }

  /** Withdraws a job whose activity is gone (cancelled, timed out, retried). */
  async withdraw(jobId: string, reason: string): Promise<void> {
    await this.jobs.updateOne(
      { _id: jobId, state: { $in: ['queued', 'claimed'] } },
      { $set: { state: 'withdrawn', withdrawnReason: reason, updatedAt: this.now() } },
    );
  }

  /** Every job of a workflow, oldest first (for status pages and tests). */
  listForWorkflow(workflowId: string): Promise<AgentJobDoc[]> {
    return this.jobs.find({ workflowId }).sort({ createdAt: 1 }).toArray();
  }
}

function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
