import { z } from 'zod';
import { NotFoundError } from '../../shared/errors.js';

/** What a path parameter that names a resource answers when it names none. */
export interface ResourceIdMeta {
  /** The resource, as a sentence starts it: `Asset`, `API key`. */
  resource: string;
  /** The code of the 404, the same one the service answers for a well-formed unknown id. */
  code: string;
  /** The key of `details` holding the id (`assetId`); none: no details (as the service answers). */
  detailsKey?: string;
}

/**
 * The path parameters that name a resource. Not the global registry, so nothing of it leaks into
 * the OpenAPI document; `validate()` and the document generator read it.
 */
export const resourceIdRegistry = z.registry<ResourceIdMeta>();

/** The longest id echoed back in a 404's message: a 10 kB id is refused, not repeated. */
const ECHO_LIMIT = 64;

/**
 * A path parameter naming a resource. Its `pattern` is documentation and a cheap first check: an
 * id of any other shape cannot exist, so `validate()` answers it with the resource's 404 (Colony:
 * `GET /api/v1/assets/asset-123` → 404 `ASSET_NOT_FOUND`), not a 400. Keep the pattern anchored
 * and bounded (`{16}`, `{0,199}`) so an oversized id fails in linear time.
 */
export function resourceId(pattern: RegExp, meta: ResourceIdMeta, shape: string) {
  return z
    .string()
    .regex(pattern, `must be ${shape}`)
    .describe(`${shape}; an id of any other shape names no ${meta.resource.toLowerCase()}: 404 ${meta.code}`)
    .register(resourceIdRegistry, meta);
}

/** `{ id }` path parameters naming one resource. */
export function resourceIdParams(pattern: RegExp, meta: ResourceIdMeta, shape: string) {
  return z.strictObject({ id: resourceId(pattern, meta, shape) });
}

/** The resource-id parameters of a params schema, by name. */
export function resourceIdsOf(params: z.ZodType | undefined): Map<string, ResourceIdMeta> {
  const found = new Map<string, ResourceIdMeta>();
  if (!(params instanceof z.ZodObject)) return found;
  for (const [name, field] of Object.entries(params.shape as Record<string, z.ZodType>)) {
    const meta = resourceIdRegistry.get(field);
    if (meta) found.set(name, meta);
  }
  return found;
}

/** The 404 a malformed `value` of a resource-id parameter answers, with the id shortened for the echo. */
export function resourceNotFound(meta: ResourceIdMeta, value: unknown): NotFoundError {
  const raw = typeof value === 'string' ? value : '';
  const shown = raw.length > ECHO_LIMIT ? `${raw.slice(0, ECHO_LIMIT)}…` : raw;
  const details = meta.detailsKey ? { [meta.detailsKey]: shown } : undefined;
  return new NotFoundError(`${meta.resource} ${shown} not found`, details, meta.code);
}

// Every resource-id path parameter of the API, in one place.

/** `{id}` of an asset (also the agent's asset routes). */
export const assetIdParams = resourceIdParams(
  /^ast_[0-9a-f]{16}$/,
  { resource: 'Asset', code: 'ASSET_NOT_FOUND', detailsKey: 'assetId' },
  'an asset id (`ast_` and 16 hex digits)',
);
/** `{id}` of a cluster (also the agent's cluster routes). */
export const clusterIdParams = resourceIdParams(
  /^clu_[0-9a-f]{16}$/,
  { resource: 'Cluster', code: 'CLUSTER_NOT_FOUND', detailsKey: 'clusterId' },
  'a cluster id (`clu_` and 16 hex digits)',
);
/** `{id}` of a site. */
export const siteIdParams = resourceIdParams(
  /^site_[0-9a-f]{16}$/,
  { resource: 'Site', code: 'SITE_NOT_FOUND', detailsKey: 'siteId' },
  'a site id (`site_` and 16 hex digits)',
);
/** `{id}` of a webhook. */
export const webhookIdParams = resourceIdParams(
  /^whk_[0-9a-f]{16}$/,
  { resource: 'Webhook', code: 'WEBHOOK_NOT_FOUND', detailsKey: 'webhookId' },
  'a webhook id (`whk_` and 16 hex digits)',
);
/** `{id}` of a workflow run: Temporal workflow ids, which Rackpilot derives from the request. */
export const workflowIdParams = resourceIdParams(
  /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/,
  { resource: 'Workflow', code: 'WORKFLOW_NOT_FOUND', detailsKey: 'workflowId' },
  'a workflow id (letters, digits, `_.-`, at most 200)',
);
/** `{id}` of an API key (its public id); the service answers an unknown key with plain NOT_FOUND. */
export const apiKeyIdParams = resourceIdParams(
  /^[0-9a-z]{12}$/,
  { resource: 'API key', code: 'NOT_FOUND' },
  'an API key id (12 characters [0-9a-z])',
);
/** `{id}` of an agent job. */
export const jobIdParams = resourceIdParams(
  /^job_[0-9a-f]{16}$/,
  { resource: 'Job', code: 'JOB_NOT_FOUND', detailsKey: 'jobId' },
  'a job id (`job_` and 16 hex digits)',
);
