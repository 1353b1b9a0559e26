import type { Logger } from '../../shared/logger.js';
import { AgentJobRepository } from '../../db/agent-job-repository.js';
import { ApiKeyRepository } from '../../db/api-key-repository.js';
import { AssetRepository } from '../../db/asset-repository.js';
import { AuditRepository } from '../../db/audit-repository.js';
import { ClusterRepository } from '../../db/cluster-repository.js';
import type { Database } from '../../db/database.js';
import { EventRepository } from '../../db/event-repository.js';
import { OrganizationRepository } from '../../db/organization-repository.js';
import { RateLimitRepository } from '../../db/rate-limit-repository.js';
import { SiteRepository } from '../../db/site-repository.js';
import { WebhookDeliveryRepository } from '../../db/webhook-delivery-repository.js';
import { WebhookRepository } from '../../db/webhook-repository.js';
import { WorkflowIndexRepository } from '../../db/workflow-index-repository.js';

/** Every repository the API reads and writes through. */
export interface Repositories {
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
}

export function createRepositories(db: Database, now: () => Date, log: Logger): Repositories {
  // One event log for the repositories that emit (they would default to their own, without our logger).
  const events = new EventRepository(db, now, log);
  return {
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
}

/** Creates the indexes of every collection (idempotent). */
export async function ensureIndexes(repositories: Repositories, log: Logger): Promise<void> {
  const r = repositories;
  for (const repository of [
    r.apiKeys,
    r.audit,
    r.assets,
    r.clusters,
    r.agentJobs,
    r.workflows,
    r.sites,
    r.events,
    r.webhooks,
    r.webhookDeliveries,
  ])
    await repository.ensureIndexes();
  if (!(await r.rateLimits.ensureIndexes())) {
    log.debug('this server has no TTL indexes; expired rate-limit windows are deleted by the API');
  }
}
