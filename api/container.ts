import type { Client } from '@temporalio/client';
import { pingDatabase, connectDatabase, type Database } from '../db/database.js';
import type { QueuedJobSignal } from '../db/queued-job-signal.js';
import type { Logger } from '../shared/logger.js';
import { secretBoxFromSettings } from '../shared/master-key-env.js';
import type { SecretBox } from '../shared/secret-box.js';
import { withTimeout } from '../shared/with-timeout.js';
import type { Authenticator } from './auth/authenticator.js';
import { lazyOrchestration, type Orchestration } from './composition/agents.js';
import { createAuth } from './composition/auth.js';
import { createEventDelivery } from './composition/events.js';
import { createRetentionSweeper } from './composition/maintenance.js';
import { createRepositories, ensureIndexes, type Repositories } from './composition/repositories.js';
import { createResources } from './composition/resources.js';
import { lazyTemporal } from './composition/temporal.js';
import type { ApiConfig } from './config.js';
import type { RetentionSweeper } from './maintenance/retention-sweeper.js';
import { createHttpMetrics, type HttpMetrics } from './metrics.js';
import type { RateLimiter } from './rate-limit/rate-limiter.js';
import type { AgentService } from './services/agent-service.js';
import type { ApiKeyService } from './services/api-key-service.js';
import type { AssetService } from './services/asset-service.js';
import type { AuditService } from './services/audit-service.js';
import type { ClusterService } from './services/cluster-service.js';
import type { EventHub } from './services/event-hub.js';
import type { ProvisionService } from './services/provision-service.js';
import type { SiteService } from './services/site-service.js';
import type { WebhookService } from './services/webhook-service.js';
import type { WorkflowService } from './services/workflow-service.js';
import type { WebhookDispatcher } from './webhooks/dispatcher.js';
import { readVersionInfo, type VersionInfo } from './version-info.js';

/**
 * Everything the API's routes use, wired once (STYLE.md §9). Routes reach repositories through
 * services (the SSE stream's replay reads the event log through its narrow EventSource); a new
 * resource adds its repository and service in composition/.
 */
export interface Container {
  config: ApiConfig;
  log: Logger;
  db: Database;
  /** The clock every service uses (tests replace it). */
  now: () => Date;
  secretBox: SecretBox;
  repositories: Repositories;
  services: {
    apiKeys: ApiKeyService;
    audit: AuditService;
    agent: AgentService;
    sites: SiteService;
    assets: AssetService;
    workflows: WorkflowService;
    clusters: ClusterService;
    webhooks: WebhookService;
    provision: ProvisionService;
  };
  /** The agent bridge and boot-event relay (they need Temporal, so they are built on first use). */
  orchestration(): Promise<Orchestration>;
  /** The one event poller of this process, fanning out to every SSE stream. */
  eventHub: EventHub;
  /** Webhook delivery; `server.ts` starts it (tests start it themselves), `close()` stops it. */
  webhookDispatcher: WebhookDispatcher;
  /** Deletes what is past its retention (events, deliveries, finished jobs, claims); `server.ts` starts it, `close()` stops it. */
  retention: RetentionSweeper;
  authenticator: Authenticator;
  rateLimiter: RateLimiter;
  metrics: HttpMetrics;
  version: VersionInfo;
  /** The Temporal client, connected on first use (the API starts even while Temporal is down). */
  temporal(): Promise<Client>;
  /** Dependency checks behind `/readyz`; each rejects on failure or after `timeoutMs`. */
  checks: { database(timeoutMs: number): Promise<void>; temporal(timeoutMs: number): Promise<void> };
  /** Creates the indexes of every collection. */
  ensureIndexes(): Promise<void>;
  /** Closes Temporal and (when the container opened it) the database. */
  close(): Promise<void>;
}

/**
 * Builds the container over an open database, area by area (composition/). `closeDatabase` is
 * called by `close()`. Throws ConfigError when no master key is configured outside dev mode.
 */
export function createContainer(options: {
  config: ApiConfig;
  log: Logger;
  db: Database;
  now?: () => Date;
  closeDatabase?: () => Promise<void>;
  rateLimitMaxBatch?: number;
  secretBox?: SecretBox;
  /** Shared with a worker in the same process: its queued jobs wake the site feeds at once. */
  queuedJobSignal?: QueuedJobSignal;
}): Container {
  const { config, log, db } = options;
  const now = options.now ?? (() => new Date());
  const secretBox = options.secretBox ?? secretBoxFromSettings(config, log);
  const temporal = lazyTemporal(config);
  const repositories = createRepositories(db, now, log);
  const auth = createAuth({ config, repositories, now, log, rateLimitMaxBatch: options.rateLimitMaxBatch });
  const resources = createResources({
    config,
    repositories,
    apiKeys: auth.apiKeys,
    secretBox,
    temporal: temporal.get,
    now,
  });
  const delivery = createEventDelivery({ config, repositories, secretBox, now, log });
  const retention = createRetentionSweeper({ config, repositories, now, log });
  return {
    config,
    log,
    db,
    now,
    secretBox,
    repositories,
    services: { apiKeys: auth.apiKeys, audit: auth.audit, webhooks: delivery.webhooks, ...resources },
    orchestration: lazyOrchestration({
      repositories,
      agent: resources.agent,
      temporal: temporal.get,
      log,
      now,
      queuedJobSignal: options.queuedJobSignal,
    }),
    eventHub: delivery.eventHub,
    webhookDispatcher: delivery.webhookDispatcher,
    retention,
    authenticator: auth.authenticator,
    rateLimiter: auth.rateLimiter,
    metrics: createHttpMetrics(),
    version: readVersionInfo(config.gitCommit),
    temporal: temporal.get,
    checks: {
      database: (timeoutMs) => withTimeout(pingDatabase(db, timeoutMs), timeoutMs, 'MongoDB'),
      temporal: async (timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        const client = await withTimeout(temporal.get(), timeoutMs, 'Temporal');
        await client.connection.withDeadline(deadline, () => client.connection.workflowService.getSystemInfo({}));
      },
    },
    ensureIndexes: () => ensureIndexes(repositories, log),
    async close() {
      await delivery.eventHub.stop();
      await delivery.webhookDispatcher.stop();
      await retention.stop();
      await temporal.close();
      await options.closeDatabase?.();
    },
  };
}

/** Connects to the configured database, builds the container and creates indexes. */
export async function openContainer(
  config: ApiConfig,
  log: Logger,
  options: { queuedJobSignal?: QueuedJobSignal } = {},
): Promise<Container> {
  // Before connecting: a missing master key outside dev mode is a configuration error, reported first.
  const secretBox = secretBoxFromSettings(config, log);
  const connection = await connectDatabase(config.mongoUri, config.dbName);
  try {
    const container = createContainer({
      config,
      log,
      db: connection.db,
      closeDatabase: connection.close,
      secretBox,
      ...options,
    });
    await container.ensureIndexes();
    return container;
  } catch (err) {
    await connection.close();
    throw err;
  }
}
