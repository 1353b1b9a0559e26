import { reply } from '../../http/define-route.js';
import { z } from 'zod';
import { listBody, listQuery, listSchema, paginate } from '../../http/paginate.js';
import { authOf } from '../../http/state.js';
import { auditEntrySchema, presentAuditEntry } from '../../presenters/audit-presenter.js';
import type { RouteModule } from '../index.js';

const auditQuery = listQuery(['at', 'action'], '-at', {
  action: z.string().max(100).optional().describe('Only this action, e.g. `api_key.revoke`'),
  keyId: z.string().max(64).optional().describe('Only requests made with this key'),
  result: z.enum(['success', 'failure', 'denied']).optional(),
  targetId: z.string().max(128).optional().describe('Only entries about this resource id'),
  since: z.iso.datetime().optional().describe('Entries at or after this instant'),
  until: z.iso.datetime().optional().describe('Entries before this instant'),
});

/** `GET /api/v1/audit`: the organization's audit log, newest first (admins only). */
export const auditRoutes: RouteModule = ({ container, route }) => {
  route(
    {
      method: 'get',
      path: '/api/v1/audit',
      operationId: 'listAuditEntries',
      summary: 'The audit log: every mutating request, who made it and how it ended',
      tags: ['audit'],
      roles: ['admin'],
      request: { query: auditQuery },
      responses: { 200: { description: 'One page of entries', schema: listSchema('entries', auditEntrySchema) } },
    },
    async (ctx, { query }) => {
      const { since, until, page: _p, perPage: _pp, sort: _s, ...rest } = query;
      const filter = {
        ...rest,
        ...(since ? { since: new Date(since) } : {}),
        ...(until ? { until: new Date(until) } : {}),
      };
      const { items, total } = await container.services.audit.list(authOf(ctx).orgId, filter, paginate(query));
      return reply(200, listBody('entries', items.map(presentAuditEntry), query, total));
    },
  );
};
