import { z } from 'zod';
import {
  agentBmcCredentialsSchema,
  agentBmcProtocolRequestSchema,
  agentEventRequestSchema,
  claimedJobSchema,
  jobClaimRequestSchema,
  jobCompleteRequestSchema,
  jobFailRequestSchema,
  jobHeartbeatRequestSchema,
} from '../../../shared/agent-protocol.js';
import { ForbiddenError } from '../../../shared/errors.js';
import type { AuthContext } from '../../auth/roles.js';
import { reply } from '../../http/define-route.js';
import { assetIdParams, clusterIdParams, jobIdParams } from '../../http/resource-id.js';
import { authOf } from '../../http/state.js';
import type { RouteModule } from '../index.js';

const tags = ['agent'];
const agentOnly = ['agent'] as const;
const yaml = (description: string) => ({ description, schema: z.string(), contentType: 'application/yaml' });

/** The site an agent credential is bound to; an agent key without one is a wiring error made safe. */
function siteOf(auth: AuthContext): string {
  if (!auth.siteId) throw new ForbiddenError('This credential is not bound to a site');
  return auth.siteId;
}

/**
 * `/api/v1/agent/...`: the bridge between a site's agent and its workflows (DESIGN.md). Agents
 * claim jobs of their own site, report progress and results, relay boot events, and read the
 * secrets a job needs. Every lookup is scoped to the credential's site.
 */
export const agentRoutes: RouteModule = ({ container, route }) => {
  route(
    {
      method: 'post',
      path: '/api/v1/agent/jobs/claim',
      operationId: 'claimAgentJob',
      summary: 'Long-poll for the next job of this site',
      tags,
      roles: agentOnly,
      request: { body: jobClaimRequestSchema },
      audit: { action: 'agent_job.claim', targetType: 'agent_job' },
      routine: true,
      responses: {
        200: { description: 'A job, now claimed by this agent', schema: z.object({ job: claimedJobSchema }) },
        204: { description: 'No job came within the wait' },
      },
    },
    async (ctx, { body }) => {
      const { bridge } = await container.orchestration();
      const controller = new AbortController();
      ctx.req.once('close', () => controller.abort());
      const job = await bridge.claim(siteOf(authOf(ctx)), {
        waitMs: body.waitSeconds * 1000,
        kinds: body.kinds,
        signal: controller.signal,
      });
      return job ? reply(200, { job }) : reply(204, undefined);
    },
  );

  route(
    {
      method: 'post',
      path: '/api/v1/agent/jobs/:id/heartbeat',
      operationId: 'heartbeatAgentJob',
      summary: 'Report progress on a claimed job (409 JOB_WITHDRAWN: stop working on it)',
      tags,
      roles: agentOnly,
      request: { params: jobIdParams, body: jobHeartbeatRequestSchema },
      audit: { action: 'agent_job.heartbeat', targetType: 'agent_job' },
      routine: true,
      responses: { 204: { description: 'Recorded and forwarded to Temporal' } },
      errors: [404, 409],
    },
    async (ctx, { params, body }) => {
      const { bridge } = await container.orchestration();
      await bridge.heartbeat(siteOf(authOf(ctx)), params.id, body.claimToken, {
        progress: body.progress,
        logs: body.logs,
      });
      return reply(204, undefined);
    },
  );

  route(
    {
      method: 'post',
      path: '/api/v1/agent/jobs/:id/complete',
      operationId: 'completeAgentJob',
      summary: "Finish a claimed job with its result (checked against the job kind's schema)",
      tags,
      roles: agentOnly,
      request: { params: jobIdParams, body: jobCompleteRequestSchema },
      audit: { action: 'agent_job.complete', targetType: 'agent_job' },
      routine: true,
      responses: { 204: { description: 'The workflow step completed' } },
      errors: [404, 409],
    },
    async (ctx, { params, body }) => {
      const { bridge } = await container.orchestration();
      await bridge.complete(siteOf(authOf(ctx)), params.id, body.claimToken, body.result);
      return reply(204, undefined);
    },
  );

  route(
    {
      method: 'post',
      path: '/api/v1/agent/jobs/:id/fail',
      operationId: 'failAgentJob',
      summary: 'Fail a claimed job with a typed failure (retryable or not)',
      tags,
      roles: agentOnly,
      request: { params: jobIdParams, body: jobFailRequestSchema },
      audit: { action: 'agent_job.fail', targetType: 'agent_job' },
      routine: true,
      responses: { 204: { description: 'The workflow step failed' } },
      errors: [404, 409],
    },
    async (ctx, { params, body }) => {
      const { bridge } = await container.orchestration();
      await bridge.fail(siteOf(authOf(ctx)), params.id, body.claimToken, body.failure);
      return reply(204, undefined);
    },
  );

  route(
    {
      method: 'post',
      path: '/api/v1/agent/events',
      operationId: 'postAgentEvent',
      summary: 'Report a boot event (PXE script served, config fetched, utility OS up, Talos API up)',
      tags,
      roles: agentOnly,
      request: { body: agentEventRequestSchema },
      audit: { action: 'agent_event.relay', targetType: 'asset' },
      routine: true,
      responses: {
        202: {
          description: 'Signalled to the workflow that owns the machine',
          schema: z.object({ assetId: z.string(), workflowId: z.string() }),
        },
      },
      errors: [404],
    },
    async (ctx, { body }) => {
      const { relay } = await container.orchestration();
      return reply(202, await relay.relay(siteOf(authOf(ctx)), body));
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/agent/assets/:id/bmc',
      operationId: 'getAgentBmcCredentials',
      summary: "BMC address and credentials of an asset of the agent's site",
      tags,
      roles: agentOnly,
      request: { params: assetIdParams },
      responses: { 200: { description: 'How to reach the BMC', schema: agentBmcCredentialsSchema } },
      errors: [404],
    },
    async (ctx, { params }) =>
      reply(200, await container.services.agent.bmcCredentials(siteOf(authOf(ctx)), params.id)),
  );

  route(
    {
      method: 'put',
      path: '/api/v1/agent/assets/:id/bmc/protocol',
      operationId: 'putAgentBmcProtocol',
      summary: 'Record the protocol the agent found the BMC of a `detect` asset to speak',
      description:
        'Only an asset enrolled with driver `detect` changes (its `bmc.driver` and `bmc.port`, and an `asset.bmc_detected` event); for one whose protocol is already known this is a no-op. 409 ASSET_EXISTS: another asset is enrolled at that address and port.',
      tags,
      roles: agentOnly,
      request: { params: assetIdParams, body: agentBmcProtocolRequestSchema },
      audit: { action: 'asset.record_bmc_protocol', targetType: 'asset' },
      responses: { 204: { description: 'Recorded (or already known: nothing changed)' } },
      errors: [404, 409],
    },
    async (ctx, { params, body }) => {
      await container.services.agent.recordBmcProtocol(siteOf(authOf(ctx)), params.id, body.protocol, body.port);
      return reply(204, undefined);
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/agent/assets/:id/machine-config',
      operationId: 'getAgentMachineConfig',
      summary: 'The Talos machine config the boot server serves to this machine',
      tags,
      roles: agentOnly,
      request: { params: assetIdParams },
      responses: { 200: yaml('Machine config') },
      errors: [404],
    },
    async (ctx, { params }) => reply(200, await container.services.agent.machineConfig(siteOf(authOf(ctx)), params.id)),
  );

  route(
    {
      method: 'get',
      path: '/api/v1/agent/clusters/:id/talosconfig',
      operationId: 'getAgentTalosconfig',
      summary: "Client identity for a cluster's Talos API",
      tags,
      roles: agentOnly,
      request: { params: clusterIdParams },
      responses: { 200: yaml('talosconfig') },
      errors: [404],
    },
    async (ctx, { params }) =>
      reply(200, await container.services.agent.clusterDocument(siteOf(authOf(ctx)), params.id, 'talosconfig')),
  );

  route(
    {
      method: 'get',
      path: '/api/v1/agent/clusters/:id/kubeconfig',
      operationId: 'getAgentKubeconfig',
      summary: 'Admin kubeconfig generated for the cluster (to wait for Kubernetes readiness)',
      tags,
      roles: agentOnly,
      request: { params: clusterIdParams },
      responses: { 200: yaml('kubeconfig') },
      errors: [404],
    },
    async (ctx, { params }) =>
      reply(200, await container.services.agent.clusterDocument(siteOf(authOf(ctx)), params.id, 'adminKubeconfig')),
  );
};
