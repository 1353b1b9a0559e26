import type { AgentJobDoc, AgentJobRepository } from '../../db/agent-job-repository.js';
import type { JobKind } from '../../shared/jobs.js';
import type { QueuedJobSignal } from '../../db/queued-job-signal.js';

/** Polling rhythm of a site's queue. */
export interface FeedTiming {
  /** The longest pause between polls: a quiet site's rhythm. */
  idleIntervalMs: number;
  /** The pause right after a job was claimed or finished: its workflow's next job usually follows within milliseconds. */
  hotIntervalMs: number;
}

// A quiet site's poll is one query of the small queue collection (db/agent-job-repository.ts), so
// it can afford 10 a second: the first job of a new request waits 50 ms on average, not 125.
/** Heartbeats of waiting jobs in flight at once, per site. */
const KEEP_ALIVE_PARALLEL = 8;

export const DEFAULT_FEED_TIMING: FeedTiming = { idleIntervalMs: 100, hotIntervalMs: 15 };

// After a job of the site finished, its workflow queues the next one within a workflow task or
// two: the feed stays at the hot pause for this many empty polls before it backs off, so that
// job is handed out at once rather than after an idle pause.
const HOT_POLLS = 6;

/**
 * Heartbeats jobs that wait in a site's queue while its agent is polling. A job's activity has a
 * heartbeat timeout from the moment it is queued; when more jobs are queued than the agent can
 * take at once (a rack of 50 discovered together), a job would time out unclaimed and be
 * re-issued at the back of the queue — more work for a busy site. A polling agent is alive, so
 * its queue is kept alive; a dead agent polls no more, and its jobs time out as they should.
 */
export interface QueuedKeepAlive {
  /** How often a polling site's queue is heartbeated. Well under the activities' heartbeat timeout. */
  everyMs: number;
  /** Jobs queued longer than this are heartbeated. */
  olderThanMs: number;
  heartbeat(job: AgentJobDoc): Promise<void>;
}

interface Waiter {
  kinds: readonly JobKind[] | undefined;
  deadline: number;
  signal: AbortSignal | undefined;
  resolve: (job: AgentJobDoc | null) => void;
}

interface Site {
  waiters: Waiter[];
  /** The next pause: short after activity, doubling with every empty poll up to the idle pause. */
  intervalMs: number;
  /** Empty polls left at the hot pause before backing off. */
  hotPollsLeft: number;
  /** A job was announced (ring, finish) while a poll was under way: poll again without pausing. */
  announced: boolean;
  polling: boolean;
  wake?: () => void;
  /** When the site's waiting jobs were last heartbeated (epoch ms). */
  keptAliveAt: number;
  keepingAlive: boolean;
}

/**
 * Hands a site's queued jobs to the long-polls of its agent. One poller per site and API process
 * serves every waiting long-poll of that site (an agent with 8 free slots costs one query per
 * tick, not 8), and polls fast only right after the site's last claim or completion, backing
 * off with every empty poll: the database, which has no change streams to push from (FerretDB),
 * is asked as rarely as a quiet fleet allows and as often as a busy one needs.
 */
export class SiteJobFeed {
  private readonly sites = new Map<string, Site>();

  constructor(
    private readonly jobs: AgentJobRepository,
    private readonly leaseMs: number,
    private readonly timing: FeedTiming = DEFAULT_FEED_TIMING,
    private readonly keepAlive?: QueuedKeepAlive,
    signal?: QueuedJobSignal,
  ) {
    // The feed lives as long as its process: the listener is never removed.
    signal?.listen((siteId) => this.markBusy(siteId));
  }

  /** The oldest queued job of `siteId` (of one of `kinds`, when given) within `waitMs`, or null. */
  claim(
    siteId: string,
    options: { waitMs: number; kinds?: readonly JobKind[] | undefined; signal?: AbortSignal | undefined },
  ): Promise<AgentJobDoc | null> {
    if (options.signal?.aborted) return Promise.resolve(null);
    const site = this.site(siteId);
    const job = new Promise<AgentJobDoc | null>((resolve) => {
      site.waiters.push({
        kinds: options.kinds,
        deadline: Date.now() + options.waitMs,
        signal: options.signal,
        resolve,
      });
    });
    options.signal?.addEventListener('abort', () => site.wake?.(), { once: true });
    this.poke(siteId, site);
    return job;
  }

  /**
   * Tells the feed `siteId` is busy: a job of it was just queued (it is fetched at once) or just
   * finished (its workflow's next job is probably on its way).
   */
  markBusy(siteId: string): void {
    const site = this.sites.get(siteId);
    if (!site) return;
    site.intervalMs = this.timing.hotIntervalMs;
    site.hotPollsLeft = HOT_POLLS;
    site.announced = true;
    site.wake?.();
  }

  private site(siteId: string): Site {
    let site = this.sites.get(siteId);
    if (!site) {
      site = {
        waiters: [],
        intervalMs: this.timing.idleIntervalMs,
        hotPollsLeft: 0,
        announced: false,
        polling: false,
        keptAliveAt: Date.now(),
        keepingAlive: false,
      };
      this.sites.set(siteId, site);
    }
    return site;
  }

  private poke(siteId: string, site: Site): void {
    if (site.polling) {
      site.wake?.();
      return;
    }
    site.polling = true;
    void this.poll(siteId, site).finally(() => {
      site.polling = false;
      if (site.waiters.length > 0) this.poke(siteId, site);
      else this.sites.delete(siteId);
    });
  }

  private async poll(siteId: string, site: Site): Promise<void> {
    while (this.dropExpired(site) > 0) {
      this.keepQueueAlive(siteId, site);
      let claimed = 0;
      site.announced = false;
      try {
        claimed = await this.handOut(siteId, site);
      } catch {
        // The database hiccuped: the waiters keep waiting and the next tick tries again.
      }
      if (claimed > 0) {
        site.intervalMs = this.timing.hotIntervalMs;
        site.hotPollsLeft = HOT_POLLS;
        continue;
      }
      if (site.announced) continue;
      const interval = site.intervalMs;
      if (site.hotPollsLeft > 0) site.hotPollsLeft -= 1;
      else site.intervalMs = Math.min(interval * 2, this.timing.idleIntervalMs);
      const nextDeadline = Math.min(...site.waiters.map((w) => w.deadline));
      await this.sleep(site, Math.max(0, Math.min(interval, nextDeadline - Date.now())));
    }
  }

  /** Claims queued jobs for the waiters, oldest waiter first; returns how many were handed out. */
  private async handOut(siteId: string, site: Site): Promise<number> {
    const candidates = await this.jobs.queued(siteId, site.waiters.length + 4);
    let handed = 0;
    for (const candidate of candidates) {
      const waiter = site.waiters.find(
        (w) => !w.signal?.aborted && (!w.kinds || w.kinds.length === 0 || w.kinds.includes(candidate.kind)),
      );
      if (!waiter) continue;
      const job = await this.jobs.claimQueued(candidate._id, this.leaseMs);
      if (!job) continue;
      site.waiters.splice(site.waiters.indexOf(waiter), 1);
      waiter.resolve(job);
      handed += 1;
    }
    return handed;
  }

  /** Heartbeats the site's long-waiting jobs, at most every `everyMs`, never two rounds at once. */
  private keepQueueAlive(siteId: string, site: Site): void {
    const keepAlive = this.keepAlive;
    if (!keepAlive || site.keepingAlive || Date.now() - site.keptAliveAt < keepAlive.everyMs) return;
    site.keepingAlive = true;
    site.keptAliveAt = Date.now();
    void (async () => {
      const waiting = await this.jobs.queuedSince(siteId, new Date(Date.now() - keepAlive.olderThanMs));
      // A few at a time: one by one, a round over a rack's worth of waiting jobs on a loaded API
      // could outlast the activities' heartbeat timeout it exists to beat.
      let next = 0;
      const beat = async (): Promise<void> => {
        while (next < waiting.length) await keepAlive.heartbeat(waiting[next++]!).catch(() => undefined);
      };
      await Promise.all(Array.from({ length: Math.min(KEEP_ALIVE_PARALLEL, waiting.length) }, beat));
    })()
      .catch(() => undefined)
      .finally(() => {
        site.keepingAlive = false;
      });
  }

  /** Answers null to waiters whose wait ran out or whose caller hung up; returns how many still wait. */
  private dropExpired(site: Site): number {
    const now = Date.now();
    site.waiters = site.waiters.filter((w) => {
      if (w.deadline > now && !w.signal?.aborted) return true;
      w.resolve(null);
      return false;
    });
    return site.waiters.length;
  }

  private sleep(site: Site, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        site.wake = undefined;
        resolve();
      }
      site.wake = done;
    });
  }
}
