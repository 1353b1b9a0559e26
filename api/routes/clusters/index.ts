import { z } from 'zod';
import { audit } from '../../http/audit.js';
import { reply } from '../../http/define-route.js';
import { listBody, listSchema, paginate } from '../../http/paginate.js';
import { authOf } from '../../http/state.js';
import {
  clusterPlanSchema,
  clusterSchema,
  presentCluster,
  presentClusterPlan,
} from '../../presenters/cluster-presenter.js';
import { workflowAcceptedSchema } from '../../presenters/workflow-presenter.js';
import type { RouteModule } from '../index.js';
import { clusterParams, createClusterBody, createClusterQuery, listClustersQuery } from './schema.js';

const tags = ['clusters'];
const readers = ['admin', 'operator', 'viewer'] as const;
const writers = ['admin', 'operator'] as const;

const acceptedClusterSchema = clusterSchema.extend({ workflowId: z.string().describe('The cluster-create workflow') });

/** `/api/v1/clusters`: Talos clusters on available assets (Colony's endpoints). */
export const clusterRoutes: RouteModule = ({ container, route }) => {
  const clusters = () => container.services.clusters;

  route(
    {
      method: 'post',
      path: '/api/v1/clusters',
      operationId: 'createCluster',
      summary: 'Create a Talos cluster on available assets (long-running: cluster-provision workflow)',
      description:
        'Every asset is reserved or none is. `?dryRun=true` answers 200 with the plan (nodes, roles, IPs, install disks, steps) and every problem, changing nothing.',
      tags,
      roles: writers,
      request: { query: createClusterQuery, body: createClusterBody },
      audit: { action: 'cluster.create', targetType: 'cluster' },
      responses: {
        200: { description: 'Dry run: the plan and every problem', schema: clusterPlanSchema },
        202: { description: 'Accepted; assets reserved and provisioning started', schema: acceptedClusterSchema },
      },
      errors: [404, 409, 503],
    },
    async (ctx, { query, body }) => {
      const orgId = authOf(ctx).orgId;
      if (query.dryRun === 'true') {
        return reply(200, presentClusterPlan(await clusters().plan(orgId, body), body));
      }
      const { cluster, workflowId } = await clusters().create(orgId, body);
      audit(ctx, { action: 'cluster.create', target: { type: 'cluster', id: cluster._id } });
      const assets = await clusters().nodeAssets(orgId, [cluster]);
      return reply(202, { ...presentCluster(cluster, assets), workflowId });
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/clusters',
      operationId: 'listClusters',
      summary: 'List clusters, filtered by status',
      tags,
      roles: readers,
      request: { query: listClustersQuery },
      responses: { 200: { description: 'One page of clusters', schema: listSchema('clusters', clusterSchema) } },
    },
    async (ctx, { query }) => {
      const orgId = authOf(ctx).orgId;
      const { items, total } = await clusters().list(orgId, { status: query.status }, paginate(query));
      const assets = await clusters().nodeAssets(orgId, items);
      return reply(
        200,
        listBody(
          'clusters',
          items.map((c) => presentCluster(c, assets)),
          query,
          total,
        ),
      );
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/clusters/:id',
      operationId: 'getCluster',
      summary: 'One cluster: status, nodes with their asset status, current step, failure',
      tags,
      roles: readers,
      request: { params: clusterParams },
      responses: { 200: { description: 'The cluster', schema: clusterSchema } },
      errors: [404],
    },
    async (ctx, { params }) => {
      const orgId = authOf(ctx).orgId;
      const cluster = await clusters().get(orgId, params.id);
      return reply(200, presentCluster(cluster, await clusters().nodeAssets(orgId, [cluster])));
    },
  );

  route(
    {
      method: 'delete',
      path: '/api/v1/clusters/:id',
      operationId: 'deleteCluster',
      summary: 'Delete a cluster: wipes and releases every node (cluster-delete workflow)',
      tags,
      roles: writers,
      request: { params: clusterParams },
      audit: { action: 'cluster.delete', targetType: 'cluster' },
      responses: { 202: { description: 'Deletion started', schema: workflowAcceptedSchema } },
      errors: [404, 409, 503],
    },
    async (ctx, { params }) => reply(202, await clusters().delete(authOf(ctx).orgId, params.id)),
  );

  route(
    {
      method: 'get',
      path: '/api/v1/clusters/:id/kubeconfig',
      operationId: 'getClusterKubeconfig',
      summary: 'Download the admin kubeconfig (409 CLUSTER_NOT_READY until the cluster is ready)',
      tags,
      roles: writers,
      request: { params: clusterParams },
      responses: {
        200: { description: 'The kubeconfig', schema: z.string(), contentType: 'application/yaml' },
      },
      errors: [404, 409],
    },
    async (ctx, { params }) => {
      const { name, yaml } = await clusters().kubeconfig(authOf(ctx).orgId, params.id);
      ctx.set('Content-Disposition', `attachment; filename="${name}-kubeconfig.yaml"`);
      return reply(200, yaml);
    },
  );
};
