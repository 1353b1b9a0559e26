import { reply } from '../../http/define-route.js';
import { audit } from '../../http/audit.js';
import { listBody, listSchema, paginate } from '../../http/paginate.js';
import { authOf } from '../../http/state.js';
import {
  apiKeySchema,
  currentKeySchema,
  issuedApiKeySchema,
  presentApiKey,
} from '../../presenters/api-key-presenter.js';
import type { RouteModule } from '../index.js';
import { apiKeyParams, createApiKeyBody, listApiKeysQuery } from './schema.js';

const tags = ['api-keys'];
const admin = ['admin'] as const;

/** `/api/v1/api-keys`: issue, list, read, revoke and rotate the organization's API keys (admins only). */
export const apiKeyRoutes: RouteModule = ({ container, route }) => {
  const keys = container.services.apiKeys;
  const now = container.now;

  route(
    {
      method: 'post',
      path: '/api/v1/api-keys',
      operationId: 'createApiKey',
      summary: 'Create an API key (the full key is shown only in this response)',
      tags,
      roles: admin,
      request: { body: createApiKeyBody },
      audit: { action: 'api_key.create', targetType: 'api_key' },
      responses: { 201: { description: 'Created', schema: issuedApiKeySchema } },
    },
    async (ctx, { body }) => {
      const auth = authOf(ctx);
      const issued = await keys.issue(auth.orgId, { ...body, createdBy: auth.keyId });
      audit(ctx, { action: 'api_key.create', target: { type: 'api_key', id: issued.record.id } });
      return reply(201, { ...presentApiKey(issued.record, now()), key: issued.key });
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/api-keys',
      operationId: 'listApiKeys',
      summary: 'List API keys, masked',
      tags,
      roles: admin,
      request: { query: listApiKeysQuery },
      responses: { 200: { description: 'One page of keys', schema: listSchema('apiKeys', apiKeySchema) } },
    },
    async (ctx, { query }) => {
      const filter = { role: query.role, ...(query.status ? { revoked: query.status === 'revoked' } : {}) };
      const { items, total } = await keys.list(authOf(ctx).orgId, filter, paginate(query));
      const at = now();
      return reply(
        200,
        listBody(
          'apiKeys',
          items.map((k) => presentApiKey(k, at)),
          query,
          total,
        ),
      );
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/me',
      operationId: 'getCurrentKey',
      summary: 'The API key making this call, masked: its role and organization',
      description:
        'Any user key may ask: the CLI checks a key at `login` with it and the dashboard shows only what the role may do. Agent keys stay confined to the agent endpoints (403 with `details.role`).',
      tags,
      roles: ['admin', 'operator', 'viewer'],
      responses: { 200: { description: 'The calling key', schema: currentKeySchema } },
    },
    async (ctx) => {
      const auth = authOf(ctx);
      return reply(200, { orgId: auth.orgId, ...presentApiKey(await keys.get(auth.orgId, auth.keyId), now()) });
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/api-keys/:id',
      operationId: 'getApiKey',
      summary: 'One API key, masked',
      tags,
      roles: admin,
      request: { params: apiKeyParams },
      responses: { 200: { description: 'The key', schema: apiKeySchema } },
      errors: [404],
    },
    async (ctx, { params }) => reply(200, presentApiKey(await keys.get(authOf(ctx).orgId, params.id), now())),
  );

  route(
    {
      method: 'delete',
      path: '/api/v1/api-keys/:id',
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key (takes effect immediately)',
      tags,
      roles: admin,
      request: { params: apiKeyParams },
      audit: { action: 'api_key.revoke', targetType: 'api_key' },
      responses: { 200: { description: 'The revoked key', schema: apiKeySchema } },
      errors: [404, 409],
    },
    async (ctx, { params }) => {
      const revoked = await keys.revoke(authOf(ctx).orgId, params.id);
      return reply(200, presentApiKey(revoked, now()));
    },
  );

  route(
    {
      method: 'post',
      path: '/api/v1/api-keys/:id/rotate',
      operationId: 'rotateApiKey',
      summary: 'Rotate an API key: new secret now, previous secret valid for the grace period',
      description: `The previous secret keeps working for ${container.config.keyRotationGraceSeconds} seconds.`,
      tags,
      roles: admin,
      request: { params: apiKeyParams },
      audit: { action: 'api_key.rotate', targetType: 'api_key' },
      responses: { 200: { description: 'The key with its new secret', schema: issuedApiKeySchema } },
      errors: [404, 409],
    },
    async (ctx, { params }) => {
      const rotated = await keys.rotate(authOf(ctx).orgId, params.id);
      return reply(200, { ...presentApiKey(rotated.record, now()), key: rotated.key });
    },
  );
};
