import type { Client } from '@temporalio/client';
import type { SecretBox } from '../../shared/secret-box.js';
import type { ApiConfig } from '../config.js';
import { AgentService } from '../services/agent-service.js';
import type { ApiKeyService } from '../services/api-key-service.js';
import { AssetService } from '../services/asset-service.js';
import { ClusterService } from '../services/cluster-service.js';
import { ProvisionService } from '../services/provision-service.js';
import { SiteService } from '../services/site-service.js';
import { WorkflowService } from '../services/workflow-service.js';
import type { Repositories } from './repositories.js';

/** The resources the API manages: sites, assets, clusters, provisioning, workflows, and what agents may read. */
export function createResources(deps: {
  config: ApiConfig;
  repositories: Repositories;
  apiKeys: ApiKeyService;
  secretBox: SecretBox;
  temporal: () => Promise<Client>;
  now: () => Date;
}) {
  const { config, repositories, secretBox, now } = deps;
  const agent = new AgentService({ assets: repositories.assets, clusters: repositories.clusters, secrets: secretBox });
  const sites = new SiteService({
    sites: repositories.sites,
    assets: repositories.assets,
    apiKeys: deps.apiKeys,
    now,
    agentOfflineAfterMs: config.agentOfflineSeconds * 1000,
  });
  const workflows = new WorkflowService({
    workflows: repositories.workflows,
    temporal: deps.temporal,
    taskQueue: config.taskQueue,
    ...(config.bootTimeoutSeconds !== undefined
      ? { defaultTimings: { bootTimeout: `${config.bootTimeoutSeconds} seconds` } }
      : {}),
  });
  const assets = new AssetService({
    assets: repositories.assets,
    sites: repositories.sites,
    clusters: repositories.clusters,
    workflows,
    secrets: secretBox,
    now,
  });
  const clusters = new ClusterService({
    clusters: repositories.clusters,
    assets: repositories.assets,
    workflows,
    secrets: secretBox,
    now,
    ...(config.maxParallelNodes !== undefined ? { maxParallelNodes: config.maxParallelNodes } : {}),
  });
  const provision = new ProvisionService({ assets: repositories.assets, clusters });
  return { agent, sites, workflows, assets, clusters, provision };
}
