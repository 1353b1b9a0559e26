import type { AgentJobDoc, AgentJobRepository } from '../../db/agent-job-repository.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { QueuedJobSignal } from '../../db/queued-job-signal.js';
import { DEFAULT_FEED_TIMING, SiteJobFeed } from './site-job-feed.js';
import { ActivityGoneError, type ActivityReporter } from './temporal-port.js';
import { jobResultSchemas, SECRET_RESULT_KINDS, type JobFailure, type JobKind } from '../../shared/jobs.js';
import type { Logger } from '../../shared/logger.js';

/** A job as the claiming agent sees it: no task token, a claim token to present back. */
export interface ClaimedJob {
  id: string;
  kind: JobKind;
  payload: unknown;
  claimToken: string;
  attempt: number;
  leaseSeconds: number;
}

/** Stores the secret part of a job result (e.g. a kubeconfig) and returns the result to hand the workflow. */
export type SecretResultSink = (job: AgentJobDoc, result: Record<string, unknown>) => Promise<Record<string, unknown>>;

export interface AgentJobBridgeDeps {
  jobs: AgentJobRepository;
  /** Where heartbeats and outcomes go: the waiting activity (temporalActivityReporter in production). */
  activities: ActivityReporter;
  storeSecretResult: SecretResultSink;
  log: Logger;
  leaseMs?: number;
  /** How often a quiet site's queue is polled while its agent waits (default 100 ms; busy sites: 15 ms). */
  pollIntervalMs?: number;
  /** How often the queued jobs of a polling site are heartbeated (default 10 s; see QueuedKeepAlive). */
  queuedKeepAliveMs?: number;
  /** Rung by a worker in this process when it queues a job: its site's feed polls at once. */
  queuedJobSignal?: QueuedJobSignal;
}

/**
 * The API half of the agent bridge: hands queued jobs to a site's agent and forwards its
 * heartbeats, completions and failures to Temporal with the job's task token. A stale or foreign
 * job id changes nothing (409 / 404).
 */
export class AgentJobBridge {
  private readonly leaseMs: number;
  private readonly feed: SiteJobFeed;
  /**
   * The jobs this process handed out and not yet saw finish, as claimed. A heartbeat or result
   * of one of them goes straight to its guarded update (site, state and claim token in the
   * filter), without reading the job first (two database reads fewer per job). A job claimed
   * through another API process is read first.
   */
  private readonly handedOut = new Map<string, AgentJobDoc>();

  constructor(private readonly deps: AgentJobBridgeDeps) {
    this.leaseMs = deps.leaseMs ?? 60_000;
    this.feed = new SiteJobFeed(
      deps.jobs,
      this.leaseMs,
      {
        ...DEFAULT_FEED_TIMING,
        ...(deps.pollIntervalMs !== undefined ? { idleIntervalMs: deps.pollIntervalMs } : {}),
      },
      {
        everyMs: deps.queuedKeepAliveMs ?? 10_000,
        olderThanMs: deps.queuedKeepAliveMs ?? 10_000,
        // A heartbeat that finds the activity gone (cancelled, timed out) withdraws the job.
        heartbeat: (job) => this.forward(job, (token) => this.deps.activities.heartbeat(token, { queued: true })),
      },
      deps.queuedJobSignal,
    );
  }

  /** Long-polls up to `waitMs` for the next job of `siteId`. Returns null when none came. */
  async claim(
    siteId: string,
    options: { waitMs: number; kinds?: JobKind[]; signal?: AbortSignal },
  ): Promise<ClaimedJob | null> {
    const job = await this.feed.claim(siteId, options);
    if (!job?.claimToken) return null;
    this.remember(job);
    this.deps.log.info(
      { jobId: job._id, kind: job.kind, workflowId: job.workflowId, attempt: job.attempt },
      'job claimed',
    );
    return {
      id: job._id,
      kind: job.kind,
      payload: job.payload,
      claimToken: job.claimToken,
      attempt: job.attempt,
      leaseSeconds: Math.round(this.leaseMs / 1000),
    };
  }

  /** Forwards progress to Temporal; 409 JOB_WITHDRAWN tells the agent to stop working on it. */
  async heartbeat(
    siteId: string,
    jobId: string,
    claimToken: string,
    report: { progress?: unknown; logs?: string[] },
  ): Promise<void> {
    const job = await this.deps.jobs.recordHeartbeat(
      siteId,
      jobId,
      claimToken,
      report.progress ?? null,
      report.logs ?? [],
      this.leaseMs,
    );
    if (!job) throw await this.refusal(siteId, jobId, claimToken);
    await this.forward(job, (token) => this.deps.activities.heartbeat(token, report.progress ?? null));
  }

  /** Validates the result, stores any secret part, and completes the activity. */
  async complete(siteId: string, jobId: string, claimToken: string, result: unknown): Promise<void> {
    const claimed = this.recall(siteId, jobId, claimToken) ?? (await this.requireClaimed(siteId, jobId, claimToken));
    const parsed = jobResultSchemas[claimed.kind].safeParse(result);
    if (!parsed.success) {
      throw new ValidationError(
        `Result does not match job kind ${claimed.kind}`,
        parsed.error.issues.map((i) => ({ field: i.path.join('.'), problem: i.message })),
      );
    }
    let forWorkflow = parsed.data as Record<string, unknown>;
    if (SECRET_RESULT_KINDS.includes(claimed.kind))
      forWorkflow = await this.deps.storeSecretResult(claimed, forWorkflow);
    const job = await this.deps.jobs.finish(siteId, jobId, claimToken, { state: 'completed', result: forWorkflow });
    this.handedOut.delete(jobId);
    if (!job) throw await this.refusal(siteId, jobId, claimToken);
    await this.forwardThenArchive(job, (token) => this.deps.activities.complete(token, forWorkflow));
    this.feed.markBusy(siteId);
    this.deps.log.info({ jobId, kind: job.kind, workflowId: job.workflowId }, 'job completed');
  }

  /** Fails the activity with the agent's typed failure (non-retryable unless the agent says otherwise). */
  async fail(siteId: string, jobId: string, claimToken: string, failure: JobFailure): Promise<void> {
    const job = await this.deps.jobs.finish(siteId, jobId, claimToken, { state: 'failed', failure });
    this.handedOut.delete(jobId);
    if (!job) throw await this.refusal(siteId, jobId, claimToken);
    await this.forwardThenArchive(job, (token) => this.deps.activities.fail(token, failure));
    this.feed.markBusy(siteId);
    this.deps.log.warn({ jobId, kind: job.kind, workflowId: job.workflowId, failureType: failure.type }, 'job failed');
  }

  private remember(job: AgentJobDoc): void {
    // Bounded: jobs whose agent never reported back (withdrawn, agent replaced) must not pile up.
    if (this.handedOut.size >= MAX_HANDED_OUT) this.handedOut.delete(this.handedOut.keys().next().value!);
    this.handedOut.set(job._id, job);
  }

  /** The job as this process handed it out, if it did, to this site, with this claim token. */
  private recall(siteId: string, jobId: string, claimToken: string): AgentJobDoc | undefined {
    const job = this.handedOut.get(jobId);
    return job?.siteId === siteId && job.claimToken === claimToken ? job : undefined;
  }

  /** Why a guarded update found no claimed job: none of this site (404), withdrawn or stale (409). */
  private async refusal(siteId: string, jobId: string, claimToken: string): Promise<Error> {
    try {
      await this.requireClaimed(siteId, jobId, claimToken);
    } catch (err) {
      return err as Error;
    }
    // Claimed with this token after all: it was finished concurrently by a duplicate request.
    return stale(jobId);
  }

  private async requireClaimed(siteId: string, jobId: string, claimToken: string): Promise<AgentJobDoc> {
    const job = await this.deps.jobs.findForSite(siteId, jobId);
    if (!job) throw new NotFoundError(`Job ${jobId} not found`, { jobId }, 'JOB_NOT_FOUND');
    if (job.state === 'withdrawn') throw withdrawn(jobId, job.withdrawnReason);
    if (job.state !== 'claimed' || job.claimToken !== claimToken) throw stale(jobId);
    return job;
  }

  /** Forwards a finished job's outcome, then moves the job to the history (off Temporal's path). */
  private async forwardThenArchive(job: AgentJobDoc, call: (token: Uint8Array) => Promise<void>): Promise<void> {
    try {
      await this.forward(job, call);
    } finally {
      // Not moved (the database is down): the next start-up sweep moves it.
      await this.deps.jobs.archive(job).catch(() => undefined);
    }
  }

  /** Reports to the job's activity by its task token; an activity that is gone withdraws the job. */
  private async forward(job: AgentJobDoc, call: (token: Uint8Array) => Promise<void>): Promise<void> {
    try {
      await call(Buffer.from(job.taskToken, 'base64'));
    } catch (err) {
      if (!(err instanceof ActivityGoneError)) throw err;
      await this.deps.jobs.withdraw(job._id, err.reason);
      throw withdrawn(job._id, err.reason);
    }
  }
}

/** Claimed jobs remembered per API process (see AgentJobBridge.handedOut). */
const MAX_HANDED_OUT = 10_000;

function stale(jobId: string): ConflictError {
  return new ConflictError(`Job ${jobId} is not claimed with this claim token`, { jobId }, 'JOB_STALE');
}

function withdrawn(jobId: string, reason?: string): ConflictError {
  return new ConflictError(
    `Job ${jobId} was withdrawn: ${reason ?? 'no longer wanted'}`,
    { jobId, reason },
    'JOB_WITHDRAWN',
  );
}
