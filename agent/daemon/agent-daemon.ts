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

/** At most this many long-polls run at once, whatever the concurrency. */
const MAX_CLAIM_LOOPS = 16;

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
  /** Claim loops waiting for a free slot. */
  private readonly slotFreed: (() => void)[] = [];
  /** Claims in flight. */
  private claiming = 0;
  /** Claim loops waiting for the API to answer again. */
  private readonly recovered: (() => void)[] = [];
  /** Shared by the claim loops: consecutive failed claim periods and when to try again. */
  private claimBackoff = { failures: 0, retryAt: 0 };
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
    // Several long-polls at once: a burst of jobs (a rack discovered at once) is taken in one
    // round trip each instead of one after another; the API serves them with one query per tick.
    const claimers = Math.min(this.options.concurrency, MAX_CLAIM_LOOPS);
    this.loops = [this.heartbeatLoop(), ...Array.from({ length: claimers }, (_, i) => this.claimLoop(i))];
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
    for (const wake of [...this.slotFreed.splice(0), ...this.recovered.splice(0)]) wake();
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

  private async claimLoop(index: number): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      // While the API fails, only the first loop probes it; the others wait until it answers again.
      if (index > 0 && this.claimBackoff.failures > 0) {
        await new Promise<void>((resolve) => this.recovered.push(resolve));
        continue;
      }
      // A claim in flight holds a slot: the loops together never run more than `concurrency` jobs.
      if (this.running.size + this.claiming >= this.options.concurrency) {
        await new Promise<void>((resolve) => this.slotFreed.push(resolve));
        continue;
      }
      const wait = this.claimBackoff.retryAt - Date.now();
      if (wait > 0) {
        await sleep(wait, signal).catch(() => undefined);
        continue;
      }
      this.claiming += 1;
      try {
        const job = await this.options.api.claim({ waitSeconds: this.options.claimWaitSeconds }, signal);
        if (this.claimBackoff.failures > 0) {
          this.claimBackoff = { failures: 0, retryAt: 0 };
          for (const wake of this.recovered.splice(0)) wake();
        }
        if (job) this.launch(job);
      } catch (err) {
        if (signal.aborted) return;
        // Loops failing at once count as one failure: the delay grows per period, not per loop.
        if (Date.now() >= this.claimBackoff.retryAt) {
          const failures = this.claimBackoff.failures + 1;
          const delayMs = backoffDelay(this.backoff, failures);
          this.claimBackoff = { failures, retryAt: Date.now() + delayMs };
          this.options.logger.warn(
            { err: { message: (err as Error).message }, delayMs, failures },
            'job claim failed; backing off',
          );
        }
      } finally {
        this.claiming -= 1;
      }
    }
  }

  private launch(job: Parameters<typeof startJob>[0]): void {
    const runner = startJob(job, { ...this.options, heartbeatMs: this.options.jobHeartbeatMs });
    this.running.set(job.id, runner);
    void runner.done.finally(() => {
      this.running.delete(job.id);
      for (const wake of this.slotFreed.splice(0)) wake();
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
