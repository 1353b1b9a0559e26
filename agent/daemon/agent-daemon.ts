/**
 * The agent's main loop: obtain a credential (saved one, else enrollment), heartbeat the agent,
 * long-poll for jobs while fewer than `concurrency` run, and on shutdown stop claiming, give running
 * jobs a grace period, then leave the rest to their leases. No failure of the API or of a job ends
 * the loop: it backs off (exponential, jittered) and tries again.
 */
import type { Logger } from '../../shared/logger.js';
import { JOB_KINDS } from '../../shared/jobs.js';
import type { AgentApiClient, AgentRegistration } from '../api-client/agent-api-client.js';
import { backoffDelay, sleep, type BackoffPolicy } from '../api-client/backoff.js';
import type { AgentMetrics } from '../metrics.js';
import { loadCredential, saveCredential } from './credential-store.js';
import { startJob, type JobRunnerDeps, type RunningJob } from './job-runner.js';

/** What the daemon needs. */
export interface AgentDaemonOptions extends Omit<JobRunnerDeps, 'api' | 'heartbeatMs'> {
  api: AgentApiClient;
  name: string;
  version: string;
  credentialFile: string;
  enrollmentToken?: string;
  concurrency: number;
  heartbeatMs: number;
  jobHeartbeatMs: number;
  claimWaitSeconds: number;
  /** Base URL of the boot server, announced in heartbeats. */
  bootServerUrl?: () => string | undefined;
  /** Backoff of the loops while the API is down. Default 1 s doubling to 30 s. */
  backoff?: BackoffPolicy;
  logger: Logger;
  metrics?: AgentMetrics;
}

/** Thrown by `start()` when the agent has neither a saved credential nor an enrollment token. */
export class NotEnrolledError extends Error {
  constructor(credentialFile: string) {
    super(`No agent credential at ${credentialFile} and no RACKPILOT_AGENT_ENROLLMENT_TOKEN to enroll with`);
    this.name = 'NotEnrolledError';
  }
}

/** The running agent. */
export class AgentDaemon {
  private readonly running = new Map<string, RunningJob>();
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];
  private slotFreed: (() => void) | undefined;
  registration: AgentRegistration | undefined;

  constructor(private readonly options: AgentDaemonOptions) {}

  /** Number of jobs running now. */
  get runningJobs(): number {
    return this.running.size;
  }

  /**
   * Obtains the credential (retrying registration while the API is down) and starts the loops.
   * Throws `NotEnrolledError` without a credential or token, and the API's error when it refuses the token.
   */
  async start(): Promise<AgentRegistration> {
    const { api, logger } = this.options;
    let registration = await loadCredential(this.options.credentialFile);
    if (registration) {
      logger.info({ agentId: registration.agentId, siteId: registration.siteId }, 'using saved agent credential');
    } else {
      const token = this.options.enrollmentToken;
      if (token === undefined) throw new NotEnrolledError(this.options.credentialFile);
      registration = await this.untilSuccess('register', () =>
        api.register({ enrollmentToken: token, name: this.options.name, version: this.options.version }),
      );
      await saveCredential(this.options.credentialFile, registration);
      logger.info({ agentId: registration.agentId, siteId: registration.siteId }, 'agent enrolled; credential saved');
    }
    api.setApiKey(registration.apiKey);
    this.registration = registration;
    this.loops = [this.heartbeatLoop(), this.claimLoop()];
    return registration;
  }

  /**
   * Stops claiming, waits up to `graceMs` for running jobs, then abandons the rest to their leases.
   * Resolves when every loop and job has stopped.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.options.logger.info({ runningJobs: this.running.size, graceMs }, 'agent stopping');
    this.stopping.abort(new Error('agent stopping'));
    this.slotFreed?.();
    const jobs = [...this.running.values()];
    const all = Promise.all(jobs.map((j) => j.done));
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    if ((await Promise.race([all, timer])) === 'timeout') {
      for (const job of this.running.values()) job.abandon();
    }
    await all;
    await Promise.allSettled(this.loops);
  }

  private async heartbeatLoop(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        await this.options.api.heartbeat({
          version: this.options.version,
          capabilities: JOB_KINDS,
          bootServerUrl: this.options.bootServerUrl?.(),
          runningJobs: this.running.size,
        });
      } catch (err) {
        this.options.logger.warn({ err: { message: (err as Error).message } }, 'agent heartbeat failed');
      }
      await sleep(this.options.heartbeatMs, signal).catch(() => undefined);
    }
  }

  private async claimLoop(): Promise<void> {
    const signal = this.stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      if (this.running.size >= this.options.concurrency) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      try {
        const job = await this.options.api.claim({ waitSeconds: this.options.claimWaitSeconds }, signal);
        failures = 0;
        if (job) this.launch(job);
      } catch (err) {
        if (signal.aborted) return;
        failures += 1;
        const delayMs = backoffDelay(this.backoff, failures);
        this.options.logger.warn(
          { err: { message: (err as Error).message }, delayMs, failures },
          'job claim failed; backing off',
        );
        await sleep(delayMs, signal).catch(() => undefined);
      }
    }
  }

  private launch(job: Parameters<typeof startJob>[0]): void {
    const runner = startJob(job, { ...this.options, heartbeatMs: this.options.jobHeartbeatMs });
    this.running.set(job.id, runner);
    void runner.done.finally(() => {
      this.running.delete(job.id);
      this.slotFreed?.();
      this.slotFreed = undefined;
    });
  }

  private get backoff(): BackoffPolicy {
    return this.options.backoff ?? { initialDelayMs: 1_000, maxDelayMs: 30_000 };
  }

  /** Repeats `fn` with backoff until it succeeds, a non-retryable error comes, or the daemon stops. */
  private async untilSuccess<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await fn();
      } catch (err) {
        if (!(err as { retryable?: boolean }).retryable || this.stopping.signal.aborted) throw err;
        const delayMs = backoffDelay(this.backoff, attempt);
        this.options.logger.warn({ err: { message: (err as Error).message }, delayMs }, `${what} failed; retrying`);
        await sleep(delayMs, this.stopping.signal);
      }
    }
  }
}
