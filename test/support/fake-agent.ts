import type { AgentJobBridge, ClaimedJob } from '../../api/agent-bridge/agent-job-bridge.js';
import type { JobFailure, JobKind } from '../../shared/jobs.js';

/** What a scripted agent does with one job: a result, a typed failure, or nothing at all (it "dies"). */
export type FakeAgentAnswer = { result: unknown } | { failure: JobFailure } | { hang: true };

/** A handler per job kind; `after` runs once the answer was delivered (e.g. to emit a boot event). */
export type FakeAgentScript = Partial<
  Record<JobKind, (job: ClaimedJob) => FakeAgentAnswer | Promise<FakeAgentAnswer>>
> & { after?: (job: ClaimedJob) => Promise<void> | void };

/**
 * An agent double that speaks the real bridge (claim → complete/fail) for one site, answering
 * from a script. Unit-level double for orchestration tests; the real agent runs the same calls over HTTP.
 */
export class FakeAgent {
  readonly seen: ClaimedJob[] = [];
  /** Errors the bridge returned to this agent; a test expecting none asserts this is empty. */
  readonly errors: unknown[] = [];
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly bridge: AgentJobBridge,
    private readonly siteId: string,
    private readonly script: FakeAgentScript,
  ) {}

  start(): this {
    this.running = true;
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.once();
      } catch (err) {
        this.errors.push(err);
      }
    }
  }

  private async once(): Promise<void> {
    const job = await this.bridge.claim(this.siteId, { waitMs: 200 });
    if (!job) return;
    this.seen.push(job);
    const handler = this.script[job.kind];
    if (!handler) {
      await this.bridge.fail(this.siteId, job.id, job.claimToken, {
        type: 'Unsupported',
        message: `fake agent has no ${job.kind}`,
        retryable: false,
      });
      return;
    }
    const answer = await handler(job);
    if ('hang' in answer) return;
    if ('failure' in answer) await this.bridge.fail(this.siteId, job.id, job.claimToken, answer.failure);
    else await this.bridge.complete(this.siteId, job.id, job.claimToken, answer.result);
    await this.script.after?.(job);
  }
}
