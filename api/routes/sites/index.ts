import { randomUUID } from 'node:crypto';
import {
  agentHeartbeatRequestSchema,
  agentRegisterRequestSchema,
  agentRegisterResponseSchema,
} from '../../../shared/agent-protocol.js';
import { ForbiddenError } from '../../../shared/errors.js';
import { audit } from '../../http/audit.js';
import { reply } from '../../http/define-route.js';
import { listBody, listSchema, paginate } from '../../http/paginate.js';
import { authOf, stateOf } from '../../http/state.js';
import { createdSiteSchema, presentSite, siteSchema } from '../../presenters/site-presenter.js';
import type { RouteModule } from '../index.js';
import { createSiteBody, listSitesQuery, siteParams, updateSiteBody } from './schema.js';

const tags = ['sites'];
const readers = ['admin', 'operator', 'viewer'] as const;
const admin = ['admin'] as const;

/** `/api/v1/sites` (datacenters) and the agent's enrollment and heartbeat. */
export const siteRoutes: RouteModule = ({ container, route }) => {
  const sites = () => container.services.sites;
  const present = (site: Parameters<typeof presentSite>[0]) =>
    presentSite(site, container.now(), sites().agentOfflineAfterMs);

  route(
    {
      method: 'post',
      path: '/api/v1/sites',
      operationId: 'createSite',
      summary: 'Create a site (the agent enrollment token is shown only in this response)',
      tags,
      roles: admin,
      request: { body: createSiteBody },
      audit: { action: 'site.create', targetType: 'site' },
      responses: { 201: { description: 'Created', schema: createdSiteSchema } },
      errors: [409],
    },
    async (ctx, { body }) => {
      const { site, enrollmentToken } = await sites().create(authOf(ctx).orgId, body);
      audit(ctx, { action: 'site.create', target: { type: 'site', id: site._id } });
      return reply(201, { ...present(site), enrollmentToken });
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/sites',
      operationId: 'listSites',
      summary: 'List sites',
      tags,
      roles: readers,
      request: { query: listSitesQuery },
      responses: { 200: { description: 'One page of sites', schema: listSchema('sites', siteSchema) } },
    },
    async (ctx, { query }) => {
      const { items, total } = await sites().list(authOf(ctx).orgId, { name: query.name }, paginate(query));
      return reply(200, listBody('sites', items.map(present), query, total));
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/sites/:id',
      operationId: 'getSite',
      summary: 'One site, with its agent online/offline and last seen',
      tags,
      roles: readers,
      request: { params: siteParams },
      responses: { 200: { description: 'The site', schema: siteSchema } },
      errors: [404],
    },
    async (ctx, { params }) => reply(200, present(await sites().get(authOf(ctx).orgId, params.id))),
  );

  route(
    {
      method: 'patch',
      path: '/api/v1/sites/:id',
      operationId: 'updateSite',
      summary: 'Rename a site or change its description',
      tags,
      roles: admin,
      request: { params: siteParams, body: updateSiteBody },
      audit: { action: 'site.update', targetType: 'site' },
      responses: { 200: { description: 'The updated site', schema: siteSchema } },
      errors: [404, 409],
    },
    async (ctx, { params, body }) => reply(200, present(await sites().update(authOf(ctx).orgId, params.id, body))),
  );

  route(
    {
      method: 'delete',
      path: '/api/v1/sites/:id',
      operationId: 'deleteSite',
      summary: 'Delete a site (409 SITE_NOT_EMPTY while it has assets)',
      tags,
      roles: admin,
      request: { params: siteParams },
      audit: { action: 'site.delete', targetType: 'site' },
      responses: { 204: { description: 'Deleted' } },
      errors: [404, 409],
    },
    async (ctx, { params }) => {
      await sites().delete(authOf(ctx).orgId, params.id);
      return reply(204, undefined);
    },
  );

  route(
    {
      method: 'post',
      path: '/api/v1/agent/register',
      operationId: 'registerAgent',
      summary: "Exchange a site's one-time enrollment token for the agent's API key (shown once)",
      tags: ['agent'],
      auth: 'none',
      request: { body: agentRegisterRequestSchema },
      responses: { 201: { description: 'The agent credential', schema: agentRegisterResponseSchema } },
      errors: [401],
    },
    async (ctx, { body }) => {
      const registered = await sites().register(body);
      // Public route: no audit trail middleware, so the one success is recorded here, as the new agent.
      const orgId = (await sites().orgOf(registered.siteId)) ?? '';
      await container.services.audit.insert({
        id: randomUUID(),
        orgId,
        keyId: registered.agentId,
        role: 'agent',
        action: 'agent.register',
        target: { type: 'site', id: registered.siteId },
        result: 'success',
        status: 201,
        requestId: stateOf(ctx).requestId,
        method: ctx.method,
        path: ctx.path,
        at: container.now(),
      });
      return reply(201, registered);
    },
  );

  route(
    {
      method: 'post',
      path: '/api/v1/agent/heartbeat',
      operationId: 'agentHeartbeat',
      summary: 'Report agent liveness, version, capabilities and boot-server address',
      tags: ['agent'],
      roles: ['agent'],
      request: { body: agentHeartbeatRequestSchema },
      audit: { action: 'agent.heartbeat', targetType: 'site' },
      responses: { 204: { description: 'Recorded' } },
      errors: [404],
    },
    async (ctx, { body }) => {
      const auth = authOf(ctx);
      if (!auth.siteId) throw new ForbiddenError('This credential is not bound to a site');
      audit(ctx, { action: 'agent.heartbeat', target: { type: 'site', id: auth.siteId } });
      await sites().heartbeat(auth.orgId, auth.siteId, auth.keyId, body);
      return reply(204, undefined);
    },
  );
};
