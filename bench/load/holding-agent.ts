/**
 * A site agent that speaks the real agent protocol (`/api/v1/agent/*`, shared/agent-protocol.ts)
 * the way `agent/daemon/agent-daemon.ts` does — enrolment with the site's one-time token, an agent
 * heartbeat every 15 s, up to 16 long-polls while fewer than 64 jobs run, a job heartbeat every 5 s
 * per job (the agent's defaults; the last one can be changed) — but never finishes a job: every job it claims stays in
 * progress until the bench ends, as a job on slow hardware would. Its workflows stay running.
 */
import { setMaxListeners } from 'node:events';
import { JOB_KINDS } from '../../shared/jobs.js';
import type { ClaimedJobWire } from '../../shared/agent-protocol.js';

const CONCURRENCY = 64;
const CLAIM_LOOPS = 16;
const CLAIM_WAIT_SECONDS = 25;
const HEARTBEAT_MS = 15_000;

/** One held job and its heartbeat timer. */
interface Held {
  job: ClaimedJobWire;
  timer: NodeJS.Timeout;
}

export class HoldingAgent {
  private apiKey = '';
  private readonly held = new Map<string, Held>();
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];
  private claiming = 0;
  /** Job heartbeats the API refused (a withdrawn job: its activity timed out). */
  refusedHeartbeats = 0;
  /** Job heartbeats that failed otherwise (a 5xx, no answer): 30 s of them and the job is withdrawn. */
  failedHeartbeats = 0;

  /** `jobHeartbeatMs`: the agent's RACKPILOT_AGENT_JOB_HEARTBEAT_SECONDS (1–15 s, 5 s by default). */
  constructor(
    private readonly apiUrl: string,
    private readonly name: string,
    private readonly jobHeartbeatMs = 5_000,
  ) {
    // Every request in flight (long-polls, one heartbeat per held job) listens to the one stop signal.
    setMaxListeners(0, this.stopping.signal);
  }

  /** Jobs claimed and in progress now. */
  get jobsHeld(): number {
    return this.held.size;
  }

  /** Exchanges the site's enrollment token for the agent's key and starts claiming. */
  async start(enrollmentToken: string): Promise<void> {
    const res = await this.post('/api/v1/agent/register', { enrollmentToken, name: this.name, version: 'bench' }, '');
    if (res.status !== 201) throw new Error(`agent register → ${res.status}: ${await res.text()}`);
    this.apiKey = ((await res.json()) as { apiKey: string }).apiKey;
    this.loops = [this.heartbeatLoop(), ...Array.from({ length: CLAIM_LOOPS }, () => this.claimLoop())];
  }

  /** Stops claiming and heartbeating; the held jobs are left to their leases (the bench ends their workflows). */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const { timer } of this.held.values()) clearInterval(timer);
    this.held.clear();
    await Promise.allSettled(this.loops);
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const body = { version: 'bench', capabilities: JOB_KINDS, runningJobs: this.held.size };
      await this.post('/api/v1/agent/heartbeat', body).then(drain, () => undefined);
      await this.pause(HEARTBEAT_MS);
    }
  }

  private async claimLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      if (this.held.size + this.claiming >= CONCURRENCY) {
        await this.pause(1_000);
        continue;
      }
      this.claiming += 1;
      try {
        const res = await this.post('/api/v1/agent/jobs/claim', { waitSeconds: CLAIM_WAIT_SECONDS });
        if (res.status === 200) this.hold(((await res.json()) as { job: ClaimedJobWire }).job);
        else await drain(res);
      } catch {
        if (!this.stopping.signal.aborted) await this.pause(1_000);
      } finally {
        this.claiming -= 1;
      }
    }
  }

  private hold(job: ClaimedJobWire): void {
    // As agent/daemon/job-runner.ts: every interval, one heartbeat in flight at a time.
    let beating = false;
    const beat = async () => {
      const res = await this.post(`/api/v1/agent/jobs/${job.id}/heartbeat`, { claimToken: job.claimToken });
      await drain(res);
      if (res.status === 409 || res.status === 404) {
        this.refusedHeartbeats += 1;
        clearInterval(timer);
        this.held.delete(job.id);
      } else if (res.status >= 300) this.failedHeartbeats += 1;
    };
    const timer = setInterval(() => {
      if (beating) return;
      beating = true;
      beat()
        .catch(() => {
          if (!this.stopping.signal.aborted) this.failedHeartbeats += 1;
        })
        .finally(() => (beating = false));
    }, this.jobHeartbeatMs);
    this.held.set(job.id, { job, timer });
  }

  private post(path: string, body: unknown, key = this.apiKey): Promise<Response> {
    return fetch(`${this.apiUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
      signal: this.stopping.signal,
    });
  }

  private pause(ms: number): Promise<void> {
    const signal = this.stopping.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }
}

/** Reads and discards a response body, so the connection is reused. */
async function drain(res: Response): Promise<void> {
  await res.arrayBuffer().catch(() => undefined);
}
