import { z } from 'zod';
import { audit } from '../../http/audit.js';
import { reply } from '../../http/define-route.js';
import { listBody, listQuery, listSchema, paginate } from '../../http/paginate.js';
import { workflowIdParams } from '../../http/resource-id.js';
import { authOf } from '../../http/state.js';
import {
  WORKFLOW_STATUSES,
  WORKFLOW_TYPES,
  presentWorkflow,
  workflowAcceptedSchema,
  workflowSchema,
} from '../../presenters/workflow-presenter.js';
import type { RouteModule } from '../index.js';

const tags = ['workflows'];
const readers = ['admin', 'operator', 'viewer'] as const;

const listWorkflowsQuery = listQuery(['startedAt', 'updatedAt'], '-startedAt', {
  type: z.enum(WORKFLOW_TYPES).optional(),
  status: z.enum(WORKFLOW_STATUSES).optional(),
  assetId: z.string().min(1).optional(),
  clusterId: z.string().min(1).optional(),
});

/** `/api/v1/workflows`: the organization's workflow runs, from the index the workflows keep current. */
export const workflowRoutes: RouteModule = ({ container, route }) => {
  const workflows = () => container.services.workflows;

  route(
    {
      method: 'get',
      path: '/api/v1/workflows',
      operationId: 'listWorkflows',
      summary: 'List workflow runs, filtered by type, status, asset or cluster',
      tags,
      roles: readers,
      request: { query: listWorkflowsQuery },
      responses: { 200: { description: 'One page of workflows', schema: listSchema('workflows', workflowSchema) } },
    },
    async (ctx, { query }) => {
      const { items, total } = await workflows().list(
        authOf(ctx).orgId,
        { type: query.type, status: query.status, assetId: query.assetId, clusterId: query.clusterId },
        paginate(query),
      );
      return reply(200, listBody('workflows', items.map(presentWorkflow), query, total));
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/workflows/:id',
      operationId: 'getWorkflow',
      summary: 'One workflow run: status, steps, progress, error and recent logs',
      description:
        'While the run is unfinished its steps and progress come from a live query, bounded by a short timeout.',
      tags,
      roles: readers,
      request: { params: workflowIdParams },
      responses: { 200: { description: 'The workflow', schema: workflowSchema } },
      errors: [404],
    },
    async (ctx, { params }) => reply(200, presentWorkflow(await workflows().getLive(authOf(ctx).orgId, params.id))),
  );

  route(
    {
      method: 'post',
      path: '/api/v1/workflows/:id/cancel',
      operationId: 'cancelWorkflow',
      summary: 'Cancel a running workflow (it compensates, then records `cancelled`)',
      tags,
      roles: ['admin', 'operator'],
      request: { params: workflowIdParams },
      audit: { action: 'workflow.cancel', targetType: 'workflow' },
      responses: { 202: { description: 'Cancellation requested', schema: workflowAcceptedSchema } },
      errors: [404, 409],
    },
    async (ctx, { params }) => {
      const doc = await workflows().cancel(authOf(ctx).orgId, params.id);
      audit(ctx, { action: 'workflow.cancel', target: { type: 'workflow', id: doc._id } });
      return reply(202, { workflowId: doc._id });
    },
  );
};
