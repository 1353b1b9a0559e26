import type { Client } from '@temporalio/client';
import type { Logger } from '../shared/logger.js';
import { AgentJobRepository } from '../db/agent-job-repository.js';
import { AssetRepository } from '../db/asset-repository.js';
import { EventRepository } from '../db/event-repository.js';
import { WebhookDeliveryRepository } from '../db/webhook-delivery-repository.js';
import { WebhookRepository } from '../db/webhook-repository.js';
import { ClusterRepository } from '../db/cluster-repository.js';
import { WorkflowIndexRepository } from '../db/workflow-index-repository.js';
import { SiteRepository } from '../db/site-repository.js';
import { AssetService } from './services/asset-service.js';
import { ClusterService } from './services/cluster-service.js';
import { ProvisionService } from './services/provision-service.js';
import { SiteService } from './services/site-service.js';
import { WorkflowService } from './services/workflow-service.js';
import { payloadKeyFromSettings, secretBoxFromSettings } from '../shared/master-key-env.js';
import { AgentJobBridge } from './agent-bridge/agent-job-bridge.js';
import type { QueuedJobSignal } from '../db/queued-job-signal.js';
import { RetentionSweeper } from './maintenance/retention-sweeper.js';
import { BootEventRelay } from './agent-bridge/boot-event-relay.js';
import { temporalActivityReporter, temporalWorkflowSignaller } from './agent-bridge/temporal-port.js';
import { rackpilotDataConverter } from '../workflows/codec/data-converter.js';
import { AgentService } from './services/agent-service.js';
import type { SecretBox } from '../shared/secret-box.js';
import { Authenticator } from './auth/authenticator.js';
import type { ApiConfig } from './config.js';
import { createHttpMetrics, type HttpMetrics } from './metrics.js';
import { RateLimiter } from './rate-limit/rate-limiter.js';
import { ApiKeyRepository } from '../db/api-key-repository.js';
import { AuditRepository } from '../db/audit-repository.js';
import { connectDatabase, pingDatabase, type Database } from '../db/database.js';
import { OrganizationRepository } from '../db/organization-repository.js';
import { RateLimitRepository } from '../db/rate-limit-repository.js';
import { ApiKeyService } from './services/api-key-service.js';
import { AuditService } from './services/audit-service.js';
import { EventHub } from './services/event-hub.js';
import { WebhookService } from './services/webhook-service.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { EgressGuard } from './webhooks/egress-guard.js';
import { readVersionInfo, type VersionInfo } from './version-info.js';

/**
 * Everything the API's routes use, wired once (STYLE.md §9). Routes reach repositories only
 * through services; later resources add their repository and service here.
 */
export interface Container {
  config: ApiConfig;
  log: Logger;
  db: Database;
  /** The clock every service uses (tests replace it). */
  now: () => Date;
  secretBox: SecretBox;
  repositories: {
    organizations: OrganizationRepository;
    apiKeys: ApiKeyRepository;
    audit: AuditRepository;
    rateLimits: RateLimitRepository;
    assets: AssetRepository;
    clusters: ClusterRepository;
    agentJobs: AgentJobRepository;
    workflows: WorkflowIndexRepository;
    sites: SiteRepository;
    events: EventRepository;
    webhooks: WebhookRepository;
    webhookDeliveries: WebhookDeliveryRepository;
  };
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
  orchestration(): Promise<{ bridge: AgentJobBridge; relay: BootEventRelay }>;
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

/** How often each API process deletes what is past its retention. */
const RETENTION_SWEEP_EVERY_MS = 10 * 60_000;

const DAY_MS = 24 * 60 * 60_000;

/** A day: far beyond STALE_CLAIM_MS, the longest an asset transition claim matters. */
const TRANSITION_CLAIM_RETENTION_MS = DAY_MS;

/** Rate-limit reservations per process never exceed this (see RateLimiter). */
const RATE_LIMIT_MAX_BATCH = 100;

/**
 * Builds the container over an open database. `closeDatabase` is called by `close()`.
 * Throws ConfigError when no master key is configured outside dev mode.
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
  // One event log for the repositories that emit (they would default to their own, without our logger).
  const events = new EventRepository(db, now, log);
  const repositories = {
    organizations: new OrganizationRepository(db),
    apiKeys: new ApiKeyRepository(db),
    audit: new AuditRepository(db),
    rateLimits: new RateLimitRepository(db),
    assets: new AssetRepository(db, now, events),
    clusters: new ClusterRepository(db, now),
    agentJobs: new AgentJobRepository(db, now),
    workflows: new WorkflowIndexRepository(db, now, events),
    sites: new SiteRepository(db, now),
    events,
    webhooks: new WebhookRepository(db),
    webhookDeliveries: new WebhookDeliveryRepository(db, now),
  };
  const authenticator = new Authenticator(repositories.apiKeys, { cacheTtlMs: config.authCacheTtlMs, now }, log);
  const rateLimiter = new RateLimiter(
    repositories.rateLimits,
    { ...config.rateLimit, maxBatch: options.rateLimitMaxBatch ?? RATE_LIMIT_MAX_BATCH },
    now,
    log,
  );
  const apiKeys = new ApiKeyService(repositories.apiKeys, {
    now,
    rotationGraceSeconds: config.keyRotationGraceSeconds,
    onChange: (keyId) => authenticator.invalidate(keyId),
  });
  const temporal = lazyTemporal(config);
  const secretBox = options.secretBox ?? secretBoxFromSettings(config, log);
  const agent = new AgentService({ assets: repositories.assets, clusters: repositories.clusters, secrets: secretBox });
  const sites = new SiteService({
    sites: repositories.sites,
    assets: repositories.assets,
    apiKeys,
    now,
    agentOfflineAfterMs: config.agentOfflineSeconds * 1000,
  });
  const workflowService = new WorkflowService({
    workflows: repositories.workflows,
    temporal: temporal.get,
    taskQueue: config.taskQueue,
    ...(config.bootTimeoutSeconds !== undefined
      ? { defaultTimings: { bootTimeout: `${config.bootTimeoutSeconds} seconds` } }
      : {}),
  });
  const assetService = new AssetService({
    assets: repositories.assets,
    sites: repositories.sites,
    clusters: repositories.clusters,
    workflows: workflowService,
    secrets: secretBox,
    now,
  });
  const clusterService = new ClusterService({
    clusters: repositories.clusters,
    assets: repositories.assets,
    workflows: workflowService,
    secrets: secretBox,
    now,
    ...(config.maxParallelNodes !== undefined ? { maxParallelNodes: config.maxParallelNodes } : {}),
  });
  const eventHub = new EventHub({
    events,
    log,
    now,
    options: {
      pollMs: config.events.pollMs,
      lookbackMs: config.events.lookbackMs,
      heartbeatMs: config.events.heartbeatMs,
    },
  });
  const egressGuard = new EgressGuard(config.webhooks.allowedNetworks);
  const webhookDispatcher = new WebhookDispatcher({
    events,
    webhooks: repositories.webhooks,
    deliveries: repositories.webhookDeliveries,
    secrets: secretBox,
    guard: egressGuard,
    log,
    now,
    options: {
      pollMs: config.webhooks.pollMs,
      lookbackMs: config.events.lookbackMs,
      maxAttempts: config.webhooks.maxAttempts,
      backoff: { baseMs: config.webhooks.backoffBaseMs, maxMs: config.webhooks.backoffMaxMs },
      timeoutMs: config.webhooks.timeoutMs,
      concurrency: config.webhooks.concurrency,
    },
  });
  const eventRetentionMs = config.events.retentionHours * 60 * 60_000;
  const retention = new RetentionSweeper({
    everyMs: RETENTION_SWEEP_EVERY_MS,
    now,
    log,
    targets: [
      {
        name: 'lifecycle events',
        retentionMs: eventRetentionMs,
        prune: (before) => events.prune(before),
      },
      {
        name: 'finished webhook deliveries',
        retentionMs: eventRetentionMs,
        prune: (before) => repositories.webhookDeliveries.prune(before),
      },
      {
        name: 'finished agent jobs',
        retentionMs: config.jobHistoryRetentionDays * DAY_MS,
        prune: (before) => repositories.agentJobs.pruneHistory(before),
      },
      {
        name: 'agent job claims',
        retentionMs: config.jobHistoryRetentionDays * DAY_MS,
        prune: (before) => repositories.agentJobs.pruneClaims(before),
      },
      {
        name: 'asset transition claims',
        retentionMs: TRANSITION_CLAIM_RETENTION_MS,
        prune: (before) => repositories.assets.pruneTransitionClaims(before),
      },
    ],
  });
  let orchestration: Promise<{ bridge: AgentJobBridge; relay: BootEventRelay }> | undefined;
  return {
    config,
    log,
    db,
    now,
    secretBox,
    repositories,
    services: {
      apiKeys,
      audit: new AuditService(repositories.audit),
      agent,
      sites,
      assets: assetService,
      workflows: workflowService,
      clusters: clusterService,
      webhooks: new WebhookService({
        webhooks: repositories.webhooks,
        deliveries: repositories.webhookDeliveries,
        secrets: secretBox,
        guard: egressGuard,
        dispatcher: webhookDispatcher,
        now,
      }),
      provision: new ProvisionService({ assets: repositories.assets, clusters: clusterService }),
    },
    orchestration() {
      orchestration ??= temporal.get().then((client) => ({
        bridge: new AgentJobBridge({
          jobs: repositories.agentJobs,
          activities: temporalActivityReporter(client),
          log,
          storeSecretResult: (job, result) => agent.storeSecretResult(job, result),
          ...(options.queuedJobSignal ? { queuedJobSignal: options.queuedJobSignal } : {}),
        }),
        relay: new BootEventRelay({
          assets: repositories.assets,
          workflows: temporalWorkflowSignaller(client),
          log,
          now,
        }),
      }));
      orchestration.catch(() => {
        orchestration = undefined;
      });
      return orchestration;
    },
    eventHub,
    webhookDispatcher,
    retention,
    authenticator,
    rateLimiter,
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
    async ensureIndexes() {
      await repositories.apiKeys.ensureIndexes();
      await repositories.audit.ensureIndexes();
      await repositories.assets.ensureIndexes();
      await repositories.clusters.ensureIndexes();
      await repositories.agentJobs.ensureIndexes();
      await repositories.workflows.ensureIndexes();
      await repositories.sites.ensureIndexes();
      await repositories.events.ensureIndexes();
      await repositories.webhooks.ensureIndexes();
      await repositories.webhookDeliveries.ensureIndexes();
      if (!(await repositories.rateLimits.ensureIndexes())) {
        log.debug('this server has no TTL indexes; expired rate-limit windows are deleted by the API');
      }
    },
    async close() {
      await eventHub.stop();
      await webhookDispatcher.stop();
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

function lazyTemporal(config: ApiConfig) {
  let pending: Promise<Client> | undefined;
  return {
    get(): Promise<Client> {
      // Loaded on first use: the gRPC client is heavy and the CLI and most requests never need it.
      pending ??= import('@temporalio/client')
        .then(async ({ Client, Connection }) => {
          const connection = await Connection.connect({
            address: config.temporalAddress,
            connectTimeout: config.readyTimeoutMs,
          });
          // The same payload encryption as the worker: the API completes activities and starts workflows.
          const dataConverter = rackpilotDataConverter(payloadKeyFromSettings(config));
          return new Client({ connection, namespace: config.temporalNamespace, dataConverter });
        })
        .catch((err: unknown) => {
          pending = undefined;
          throw err;
        });
      return pending;
    },
    async close(): Promise<void> {
      const current = pending;
      pending = undefined;
      if (current) await current.then((client) => client.connection.close()).catch(() => undefined);
    },
  };
}

/** Rejects with `<what> did not answer within <ms> ms` when `promise` takes longer. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
