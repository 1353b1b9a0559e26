import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { newId } from '../../../db/ids.js';
import type { ClusterDoc } from '../../../db/cluster-repository.js';
import type { WorkflowDoc } from '../../../db/workflow-index-repository.js';
import { buildJob } from '../../support/jobs.js';
import { buildAsset } from '../../support/orchestration-harness.js';
import { uniqueName } from '../../support/services.js';
import type { ApiHarness, TestApi, TestResponse } from '../api/harness.js';

/** Limits high enough that walking every route never meets the rate limiter. */
export const WALK_ENV = {
  RACKPILOT_RATE_LIMIT_PER_MINUTE: '1000000',
  RACKPILOT_RATE_LIMIT_PER_HOUR: '10000000',
  RACKPILOT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
};

/** One operation of the served OpenAPI document. */
export interface DocOperation {
  method: string;
  /** OpenAPI path (`/api/v1/assets/{id}`). */
  path: string;
  operationId: string;
  roles: string[];
  hasBody: boolean;
}

/** Every operation of the document whose path has a parameter. */
export function idOperations(doc: {
  paths: Record<string, Record<string, { operationId: string; 'x-rackpilot-roles'?: string[]; requestBody?: unknown }>>;
}): DocOperation[] {
  return Object.entries(doc.paths)
    .filter(([path]) => path.includes('{'))
    .flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        roles: op['x-rackpilot-roles'] ?? [],
        hasBody: op.requestBody !== undefined,
      })),
    );
}

/**
 * A valid body for each `{id}` operation that takes one, so a well-formed id reaches the lookup
 * instead of stopping at body validation. A new route with a body fails the walk until it is listed.
 */
export const EXAMPLE_BODIES: Record<string, unknown> = {
  updateAsset: { hostname: 'walker' },
  wipeAsset: { mode: 'quick' },
  provisionAsset: { os: 'talos', network: { ip: '10.9.0.10', subnet: '24', gateway: '10.9.0.1' } },
  setAssetMaintenance: { enabled: true },
  updateSite: { description: 'walked' },
  updateWebhook: { description: 'walked' },
  heartbeatAgentJob: { claimToken: 'walker-token' },
  completeAgentJob: { claimToken: 'walker-token', result: {} },
  failAgentJob: { claimToken: 'walker-token', failure: { type: 'WalkFailed', message: 'walked', retryable: false } },
  putAgentBmcProtocol: { protocol: 'ipmi', port: 623 },
};

/** What an `{id}` of each collection is, by the path segment before it. */
export interface IdKind {
  code: string;
  /** A well-formed id that names nothing. */
  unknown: () => string;
}

const hex16 = () => randomBytes(8).toString('hex');

/** The resources an `{id}` can name, by the path segment in front of it. */
export const ID_KINDS: Record<string, IdKind> = {
  assets: { code: 'ASSET_NOT_FOUND', unknown: () => `ast_${hex16()}` },
  clusters: { code: 'CLUSTER_NOT_FOUND', unknown: () => `clu_${hex16()}` },
  sites: { code: 'SITE_NOT_FOUND', unknown: () => `site_${hex16()}` },
  webhooks: { code: 'WEBHOOK_NOT_FOUND', unknown: () => `whk_${hex16()}` },
  workflows: { code: 'WORKFLOW_NOT_FOUND', unknown: () => uniqueName('wf-unknown') },
  'api-keys': { code: 'NOT_FOUND', unknown: () => randomBytes(6).toString('hex') },
  jobs: { code: 'JOB_NOT_FOUND', unknown: () => `job_${hex16()}` },
};

/** Ids of shapes no id has: Colony's own, a stranger's, an oversized one (refused cheaply). */
export const MALFORMED_IDS = ['asset-123', 'no~such~id', 'UPPER_case!', 'a'.repeat(10_000)];

/** The collection an operation's `{id}` belongs to (`/api/v1/agent/assets/{id}/bmc` → `assets`). */
export function kindOf(path: string): string {
  const segments = path.split('/');
  const at = segments.indexOf('{id}');
  return segments[at - 1] ?? '';
}

/** Two organizations, each with one resource of every kind, and keys of every role. */
export interface TwoOrgWorld {
  a: OrgWorld;
  b: OrgWorld;
}

export interface OrgWorld {
  orgId: string;
  adminKey: string;
  viewerKey: string;
  operatorKey: string;
  agentKey: string;
  siteId: string;
  /** One resource of each kind, by kind. */
  ids: Record<string, string>;
}

/** Builds an organization with a site, an agent key, an asset, a cluster, a workflow, a job, a webhook and a key. */
export async function buildOrgWorld(h: ApiHarness, api: TestApi, name: string): Promise<OrgWorld> {
  const org = await h.organization(api, name);
  const siteId = await h.site(api, org.adminKey, `${name.toLowerCase()}-1`);
  const agentKey = (await h.key(api, org.adminKey, 'agent', { siteId })).key;
  const viewer = await h.key(api, org.adminKey, 'viewer');
  const operator = await h.key(api, org.adminKey, 'operator');
  const webhook = await api.request('POST', '/api/v1/webhooks', {
    key: org.adminKey,
    body: { url: 'http://127.0.0.1:1/hook', enabled: false },
  });
  expect(webhook.status, webhook.text).toBe(201);
  h.secrets.add(webhook.body.secret);
  const { repositories, db } = api.container;
  const asset = buildAsset({ orgId: org.orgId, siteId, state: 'available' });
  await repositories.assets.insert(asset);
  const at = new Date();
  const cluster: ClusterDoc = {
    _id: newId('clu'),
    orgId: org.orgId,
    siteId,
    name: `${name.toLowerCase()}-cluster`,
    type: 'civo_stack',
    flavor: 'talos',
    gateway: '10.9.0.1',
    nodes: [],
    kubernetesVersion: '1.33.0',
    talosVersion: 'v1.10.6',
    status: 'failed',
    createdAt: at,
    updatedAt: at,
  };
  await repositories.clusters.insert(cluster);
  const workflow: WorkflowDoc = {
    _id: uniqueName('wf-walk'),
    orgId: org.orgId,
    type: 'disk-wipe',
    status: 'completed',
    target: { assetId: asset._id },
    steps: [],
    progress: 100,
    logs: [],
    startedAt: at,
    finishedAt: at,
    updatedAt: at,
  };
  await repositories.workflows.collection.insertOne(workflow);
  const job = buildJob({ _id: newId('job'), siteId, state: 'claimed', claimToken: 'the-real-token' });
  await db.collection<typeof job>('agent_jobs').insertOne(job);
  return {
    orgId: org.orgId,
    adminKey: org.adminKey,
    viewerKey: viewer.key,
    operatorKey: operator.key,
    agentKey,
    siteId,
    ids: {
      assets: asset._id,
      clusters: cluster._id,
      sites: siteId,
      webhooks: webhook.body.id,
      workflows: workflow._id,
      'api-keys': viewer.id,
      jobs: job._id,
    },
  };
}

/** The key of `org` allowed on `op`: its agent key on agent routes, else its admin key. */
export function keyFor(op: DocOperation, org: OrgWorld): string {
  return op.roles.includes('admin') ? org.adminKey : org.agentKey;
}

/** Sends `op` with `id` in its path, as `org` would, with its example body. */
export function callWithId(api: TestApi, op: DocOperation, id: string, key: string): Promise<TestResponse> {
  const body = op.hasBody ? EXAMPLE_BODIES[op.operationId] : undefined;
  if (op.hasBody) expect(body, `EXAMPLE_BODIES has no body for ${op.operationId}`).toBeDefined();
  return api.request(op.method, op.path.replace('{id}', encodeURIComponent(id)), {
    key,
    ...(body !== undefined ? { body } : {}),
  });
}

/** Fails unless `res` is a 404 with `code`, in the documented error shape. */
export function expectNotFound(res: TestResponse, code: string, what: string): void {
  expect({ what, status: res.status, code: res.body?.code }, res.text.slice(0, 300)).toEqual({
    what,
    status: 404,
    code,
  });
  expect(Object.keys(res.body).sort()).toEqual(expect.arrayContaining(['code', 'error']));
  expect(res.text.length, 'the 404 does not echo a 10 kB id').toBeLessThan(1_000);
}
