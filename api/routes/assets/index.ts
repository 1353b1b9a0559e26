import { z } from 'zod';
import { isRackpilotError } from '../../../shared/errors.js';
import { audit } from '../../http/audit.js';
import { reply } from '../../http/define-route.js';
import { listBody, listSchema, paginate } from '../../http/paginate.js';
import { authOf } from '../../http/state.js';
import { fieldProblems } from '../../http/validate.js';
import { assetSchema, presentAsset, presentWipeReports, wipeReportsSchema } from '../../presenters/asset-presenter.js';
import { clusterPlanSchema, presentClusterPlan } from '../../presenters/cluster-presenter.js';
import { workflowAcceptedSchema } from '../../presenters/workflow-presenter.js';
import type { RouteModule } from '../index.js';
import {
  assetParams,
  bulkAssetsBody,
  createAssetBody,
  listAssetsQuery,
  maintenanceBody,
  parseLabelFilter,
  provisionAssetBody,
  provisionAssetQuery,
  updateAssetBody,
  wipeAssetBody,
} from './schema.js';

const tags = ['assets'];
const readers = ['admin', 'operator', 'viewer'] as const;
const writers = ['admin', 'operator'] as const;

/** True when every key of a label filter is one an asset's labels may hold (the create body's rule). */
function storableLabelKeys(labels: Record<string, string>): boolean {
  const keysOnly = Object.fromEntries(Object.keys(labels).map((key) => [key, '']));
  return createAssetBody.shape.labels.safeParse(keysOnly).success;
}

const createdAssetSchema = assetSchema.extend({ workflowId: z.string().describe('The discovery workflow') });

const provisionAcceptedSchema = workflowAcceptedSchema.extend({
  clusterId: z.string().describe('The single-node cluster of type standalone that the machine belongs to'),
  status: z.literal('pending'),
});

const bulkResultSchema = z.strictObject({
  index: z.number().int().min(0),
  status: z.enum(['created', 'invalid', 'failed']),
  asset: createdAssetSchema.nullable(),
  error: z.strictObject({ error: z.string(), code: z.string(), details: z.unknown() }).nullable(),
});
const bulkResponseSchema = z.strictObject({
  results: z.array(bulkResultSchema),
  created: z.number().int().min(0),
  failed: z.number().int().min(0),
});

/** `/api/v1/assets`: enrolment by BMC (one or many), reads, edits, deletion, wipe, maintenance. */
export const assetRoutes: RouteModule = ({ container, route }) => {
  const assets = () => container.services.assets;

  route(
    {
      method: 'post',
      path: '/api/v1/assets',
      operationId: 'createAsset',
      summary: 'Enrol an asset by its BMC; starts its discovery workflow',
      tags,
      roles: writers,
      request: { body: createAssetBody },
      audit: { action: 'asset.create', targetType: 'asset' },
      responses: { 201: { description: 'Enrolled; discovery started', schema: createdAssetSchema } },
      errors: [404, 409, 503],
    },
    async (ctx, { body }) => {
      const { asset, workflowId } = await assets().enrol(authOf(ctx).orgId, body);
      audit(ctx, { action: 'asset.create', target: { type: 'asset', id: asset._id } });
      return reply(201, { ...presentAsset(asset), workflowId });
    },
  );

  route(
    {
      method: 'post',
      // The colon is literal (Google AIP custom method), escaped for path-to-regexp.
      path: '/api/v1/assets\\:bulk',
      operationId: 'createAssetsBulk',
      summary: 'Enrol many assets; each item is validated and reported on its own',
      description:
        'Invalid items create nothing; every valid item is enrolled (with its discovery workflow) or, when that fails, left out entirely.',
      tags,
      roles: writers,
      request: { body: bulkAssetsBody },
      audit: { action: 'asset.bulk_create', targetType: 'asset' },
      responses: { 200: { description: 'One result per item, in order', schema: bulkResponseSchema } },
    },
    async (ctx, { body }) => {
      const orgId = authOf(ctx).orgId;
      const results: z.input<typeof bulkResultSchema>[] = [];
      for (const [index, item] of body.assets.entries()) {
        const parsed = createAssetBody.safeParse(item);
        if (!parsed.success) {
          const fields = fieldProblems('body', parsed.error).map((f) => ({
            ...f,
            field: ['assets', index, f.field].filter((p) => p !== '').join('.'),
          }));
          results.push({
            index,
            status: 'invalid',
            asset: null,
            error: { error: 'Invalid asset', code: 'VALIDATION_FAILED', details: { fields } },
          });
          continue;
        }
        try {
          const { asset, workflowId } = await assets().enrol(orgId, parsed.data);
          results.push({ index, status: 'created', asset: { ...presentAsset(asset), workflowId }, error: null });
        } catch (err) {
          if (!isRackpilotError(err)) throw err;
          results.push({
            index,
            status: 'failed',
            asset: null,
            error: { error: err.message, code: String(err.code), details: err.details ?? null },
          });
        }
      }
      const created = results.filter((r) => r.status === 'created').length;
      return reply(200, { results, created, failed: results.length - created });
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/assets',
      operationId: 'listAssets',
      summary: 'List assets (Colony shape), filtered by status, site, label or cluster',
      tags,
      roles: readers,
      request: { query: listAssetsQuery },
      responses: { 200: { description: 'One page of assets', schema: listSchema('assets', assetSchema) } },
    },
    async (ctx, { query }) => {
      const labels = parseLabelFilter(query.label);
      // A key no label can have (`$x`, a NUL, blank) matches no asset; sent to the database as a
      // field path it was a 500 (found by schemathesis).
      if (labels && !storableLabelKeys(labels)) return reply(200, listBody('assets', [], query, 0));
      const { items, total } = await assets().list(
        authOf(ctx).orgId,
        { status: query.status, siteId: query.siteId, clusterId: query.clusterId, labels },
        paginate(query),
      );
      return reply(200, listBody('assets', items.map(presentAsset), query, total));
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/assets/:id',
      operationId: 'getAsset',
      summary: 'One asset with its full inventory',
      tags,
      roles: readers,
      request: { params: assetParams },
      responses: { 200: { description: 'The asset', schema: assetSchema } },
      errors: [404],
    },
    async (ctx, { params }) => reply(200, presentAsset(await assets().get(authOf(ctx).orgId, params.id))),
  );

  route(
    {
      method: 'get',
      path: '/api/v1/assets/:id/wipe-reports',
      operationId: 'getAssetWipeReports',
      summary: "The per-disk reports of the asset's last wipe (technique, commands, verification)",
      tags,
      roles: readers,
      request: { params: assetParams },
      responses: { 200: { description: 'One report per disk wiped', schema: wipeReportsSchema } },
      errors: [404],
    },
    async (ctx, { params }) => reply(200, presentWipeReports(await assets().get(authOf(ctx).orgId, params.id))),
  );

  route(
    {
      method: 'patch',
      path: '/api/v1/assets/:id',
      operationId: 'updateAsset',
      summary: 'Change the hostname or labels of an asset',
      tags,
      roles: writers,
      request: { params: assetParams, body: updateAssetBody },
      audit: { action: 'asset.update', targetType: 'asset' },
      responses: { 200: { description: 'The updated asset', schema: assetSchema } },
      errors: [404],
    },
    async (ctx, { params, body }) =>
      reply(200, presentAsset(await assets().update(authOf(ctx).orgId, params.id, body))),
  );

  route(
    {
      method: 'delete',
      path: '/api/v1/assets/:id',
      operationId: 'deleteAsset',
      summary: 'Remove an asset (only when available or error; 409 ASSET_BUSY otherwise)',
      tags,
      roles: writers,
      request: { params: assetParams },
      audit: { action: 'asset.delete', targetType: 'asset' },
      responses: { 204: { description: 'Deleted' } },
      errors: [404, 409],
    },
    async (ctx, { params }) => {
      await assets().delete(authOf(ctx).orgId, params.id);
      return reply(204, undefined);
    },
  );

  route(
    {
      method: 'post',
      path: '/api/v1/assets/:id/wipe',
      operationId: 'wipeAsset',
      summary: "Erase the asset's disks (disk-wipe workflow)",
      tags,
      roles: writers,
      request: { params: assetParams, body: wipeAssetBody },
      audit: { action: 'asset.wipe', targetType: 'asset' },
      responses: { 202: { description: 'Wipe started', schema: workflowAcceptedSchema } },
      errors: [404, 409, 503],
    },
    async (ctx, { params, body }) => reply(202, await assets().wipe(authOf(ctx).orgId, params.id, body.mode)),
  );

  route(
    {
      method: 'post',
      path: '/api/v1/assets/:id/provision',
      operationId: 'provisionAsset',
      summary: 'Install Talos on an available asset (os-provision workflow)',
      description:
        'The machine becomes a single-node Talos cluster of type `standalone` whose control plane runs workloads; its kubeconfig is served by `GET /api/v1/clusters/{clusterId}/kubeconfig` once ready, and deleting that cluster wipes the machine. `?dryRun=true` answers 200 with the plan and every problem, changing nothing. ' +
        'An asset that is not `available` answers 409 ASSET_BUSY with its state in `details.state` (a body that breaks its schema is a 400 first).',
      tags,
      roles: writers,
      request: { params: assetParams, query: provisionAssetQuery, body: provisionAssetBody },
      audit: { action: 'asset.provision', targetType: 'asset' },
      responses: {
        200: { description: 'Dry run: the plan and every problem', schema: clusterPlanSchema },
        202: { description: 'Provisioning started', schema: provisionAcceptedSchema },
      },
      errors: [404, 409, 503],
    },
    async (ctx, { params, query, body }) => {
      const orgId = authOf(ctx).orgId;
      const provision = container.services.provision;
      if (query.dryRun === 'true') {
        const { plan, request } = await provision.plan(orgId, params.id, body);
        return reply(200, presentClusterPlan(plan, request));
      }
      const { cluster, workflowId } = await provision.provision(orgId, params.id, body);
      audit(ctx, { action: 'asset.provision', target: { type: 'asset', id: params.id } });
      return reply(202, { workflowId, clusterId: cluster._id, status: 'pending' as const });
    },
  );

  route(
    {
      method: 'post',
      path: '/api/v1/assets/:id/maintenance',
      operationId: 'setAssetMaintenance',
      summary: 'Put an asset into maintenance (no workflow may touch it) or take it out',
      tags,
      roles: writers,
      request: { params: assetParams, body: maintenanceBody },
      audit: { action: 'asset.maintenance', targetType: 'asset' },
      responses: { 200: { description: 'The asset', schema: assetSchema } },
      errors: [404, 409],
    },
    async (ctx, { params, body }) =>
      reply(200, presentAsset(await assets().maintenance(authOf(ctx).orgId, params.id, body.enabled))),
  );
};
