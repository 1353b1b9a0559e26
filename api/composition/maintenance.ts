import type { Logger } from '../../shared/logger.js';
import type { ApiConfig } from '../config.js';
import { RetentionSweeper } from '../maintenance/retention-sweeper.js';
import type { Repositories } from './repositories.js';

/** How often each API process deletes what is past its retention. */
const RETENTION_SWEEP_EVERY_MS = 10 * 60_000;

const DAY_MS = 24 * 60 * 60_000;

/** A day: far beyond STALE_CLAIM_MS, the longest an asset transition claim matters. */
const TRANSITION_CLAIM_RETENTION_MS = DAY_MS;

/** What is deleted when it is past its retention: events, deliveries, finished jobs and claims. */
export function createRetentionSweeper(deps: {
  config: ApiConfig;
  repositories: Repositories;
  now: () => Date;
  log: Logger;
}): RetentionSweeper {
  const { config, repositories, now, log } = deps;
  const eventRetentionMs = config.events.retentionHours * 60 * 60_000;
  const jobRetentionMs = config.jobHistoryRetentionDays * DAY_MS;
  return new RetentionSweeper({
    everyMs: RETENTION_SWEEP_EVERY_MS,
    now,
    log,
    targets: [
      {
        name: 'lifecycle events',
        retentionMs: eventRetentionMs,
        prune: (before) => repositories.events.prune(before),
      },
      {
        name: 'finished webhook deliveries',
        retentionMs: eventRetentionMs,
        prune: (before) => repositories.webhookDeliveries.prune(before),
      },
      {
        name: 'finished agent jobs',
        retentionMs: jobRetentionMs,
        prune: (before) => repositories.agentJobs.pruneHistory(before),
      },
      {
        name: 'agent job claims',
        retentionMs: jobRetentionMs,
        prune: (before) => repositories.agentJobs.pruneClaims(before),
      },
      {
        name: 'asset transition claims',
        retentionMs: TRANSITION_CLAIM_RETENTION_MS,
        prune: (before) => repositories.assets.pruneTransitionClaims(before),
      },
    ],
  });
}
