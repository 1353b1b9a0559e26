/**
 * Runs one claimed job from claim to report: the handler with an abort signal, a heartbeat every
 * few seconds carrying the latest progress and the new log lines, then complete or fail. A 409
 * `JOB_WITHDRAWN` on a heartbeat aborts the job and nothing more is reported; a job abandoned at
 * shutdown is left to its lease (the API re-queues it when the lease runs out).
 */
import type { Logger } from '../../shared/logger.js';
import { AgentApiError, isJobWithdrawn } from '../api-client/api-errors.js';
import { backoffDelay, sleep as abortableSleep } from '../api-client/backoff.js';
import type { AgentApiClient, ClaimedJob } from '../api-client/agent-api-client.js';
import type { JobHandlers } from '../jobs/job-context.js';
import type { JobContextFactory } from '../jobs/job-context-factory.js';
import { toJobFailure } from '../jobs/job-failure.js';
import { JOB_HANDLERS, runJob } from '../jobs/job-handlers.js';
import type { AgentMetrics, JobOutcome } from '../metrics.js';

const MAX_LOG_LINE = 2_000;
const MAX_LOG_LINES = 100;

/** What a job runner needs. */
export interface JobRunnerDeps {
  api: Pick<AgentApiClient, 'jobHeartbeat' | 'completeJob' | 'failJob'>;
  makeScope: JobContextFactory;
  heartbeatMs: number;
  logger: Logger;
  metrics?: AgentMetrics;
  handlers?: JobHandlers;
  /**
   * How long to keep offering a job's outcome to an API that does not answer (restart, network
   * cut) before leaving it to the lease. Default 60 s, the API's lease: past it the job is queued
   * again and a late report is refused anyway.
   */
  reportPatienceMs?: number;
  /** Pauses between report attempts; injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** A job being run. */
export interface RunningJob {
  readonly job: ClaimedJob;
  /** Resolves (never rejects) with how the job ended. */
  readonly done: Promise<JobOutcome>;
  /** Stops the job without reporting anything (agent shutdown): its lease runs out and the API re-queues it. */
  abandon(): void;
}

/** Thrown into a job's signal when the API withdrew it. */
export class JobWithdrawnError extends Error {
  constructor(jobId: string) {
    super(`Job ${jobId} was withdrawn by the API`);
    this.name = 'JobWithdrawnError';
  }
}

/** Starts running a claimed job. */
export function startJob(job: ClaimedJob, deps: JobRunnerDeps): RunningJob {
  const logger = deps.logger.child({ jobId: job.id, kind: job.kind, attempt: job.attempt });
  const abort = new AbortController();
  let progress: unknown;
  let logs: string[] = [];
  let stopReporting = false;
  let withdrawn = false;
  let beating: Promise<void> | undefined;

  const reportProgress = (latest: unknown, logLine?: string): void => {
    progress = latest;
    if (logLine !== undefined) logs = [...logs, logLine.slice(0, MAX_LOG_LINE)].slice(-MAX_LOG_LINES);
  };

  async function heartbeat(): Promise<void> {
    const sent = logs;
    logs = [];
    try {
      await deps.api.jobHeartbeat(job.id, {
        claimToken: job.claimToken,
        progress,
        logs: sent.length ? sent : undefined,
      });
    } catch (err) {
      if (isJobWithdrawn(err)) {
        withdrawn = true;
        stopReporting = true;
        logger.warn('job withdrawn by the API; aborting it');
        abort.abort(new JobWithdrawnError(job.id));
        return;
      }
      logs = [...sent, ...logs].slice(-MAX_LOG_LINES);
      logger.warn({ err: { message: (err as Error).message } }, 'job heartbeat failed');
    }
  }
  const timer = setInterval(() => {
    beating ??= heartbeat().finally(() => (beating = undefined));
  }, deps.heartbeatMs);

  async function run(): Promise<JobOutcome> {
    const started = process.hrtime.bigint();
    deps.metrics?.runningJobs.inc();
    logger.info('job started');
    const scope = deps.makeScope({ id: job.id, signal: abort.signal, reportProgress });
    let outcome: { result: unknown } | { error: unknown };
    try {
      outcome = { result: await runJob(job.kind, job.payload, scope.ctx, deps.handlers ?? JOB_HANDLERS) };
    } catch (error) {
      outcome = { error };
    } finally {
      clearInterval(timer);
      await beating;
      await scope.dispose();
    }
    const ended = await report(outcome);
    deps.metrics?.runningJobs.dec();
    deps.metrics?.jobs.inc({ kind: job.kind, outcome: ended });
    deps.metrics?.jobDuration.observe(
      { kind: job.kind, outcome: ended },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    return ended;
  }

  async function report(outcome: { result: unknown } | { error: unknown }): Promise<JobOutcome> {
    if (!stopReporting && logs.length > 0) await heartbeat(); // the last log lines, and a last chance to learn of a withdrawal
    if (withdrawn) return 'withdrawn';
    if (stopReporting) {
      logger.info('job abandoned at shutdown; left to its lease');
      return 'abandoned';
    }
    const claimToken = job.claimToken;
    const send = async (): Promise<JobOutcome> => {
      if ('result' in outcome) {
        await deps.api.completeJob(job.id, { claimToken, result: outcome.result });
        logger.info('job completed');
        return 'completed';
      }
      const failure = toJobFailure(outcome.error);
      await deps.api.failJob(job.id, { claimToken, failure });
      logger.warn(
        { failure: { type: failure.type, retryable: failure.retryable, message: failure.message } },
        'job failed',
      );
      return 'failed';
    };
    // Re-running a finished job (a wipe, a power cycle) because its report met an API restart
    // costs minutes; offering the report again until the lease lapses costs nothing.
    const patienceMs = deps.reportPatienceMs ?? 60_000;
    // Shutdown (abandon) cuts a pause short: the job is then left to its lease.
    const pause = (ms: number): Promise<void> =>
      (deps.sleep ? deps.sleep(ms) : abortableSleep(ms, abort.signal)).catch(() => undefined);
    const since = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (err) {
        if (isJobWithdrawn(err) || (err as { status?: number }).status === 409) {
          logger.warn('job was withdrawn before its report arrived; report dropped');
          return 'withdrawn';
        }
        const retryable = err instanceof AgentApiError && err.retryable;
        const delayMs = backoffDelay({ initialDelayMs: 1_000, maxDelayMs: 10_000 }, attempt);
        if (!retryable || stopReporting || Date.now() - since + delayMs > patienceMs) {
          // The lease runs out and Temporal retries the job.
          logger.error({ err: { message: (err as Error).message }, attempts: attempt }, 'job outcome could not be reported');
          return 'abandoned';
        }
        if (attempt === 1) logger.warn({ err: { message: (err as Error).message } }, 'job outcome not reported yet; retrying');
        await pause(delayMs);
      }
    }
  }

  return {
    job,
    done: run(),
    abandon: () => {
      if (stopReporting) return;
      stopReporting = true;
      abort.abort(new Error('agent shutting down'));
    },
  };
}
