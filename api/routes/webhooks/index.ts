import { audit } from '../../http/audit.js';
import { reply } from '../../http/define-route.js';
import { listBody, listSchema, paginate } from '../../http/paginate.js';
import { authOf } from '../../http/state.js';
import {
  createdWebhookSchema,
  deliverySchema,
  presentDelivery,
  presentWebhook,
  webhookSchema,
} from '../../presenters/webhook-presenter.js';
import type { RouteModule } from '../index.js';
import {
  createWebhookBody,
  listDeliveriesQuery,
  listWebhooksQuery,
  updateWebhookBody,
  webhookParams,
} from './schema.js';

const tags = ['webhooks'];
/** Webhook URLs can embed a receiver's token: only admins manage them, operators may read them. */
const readers = ['admin', 'operator'] as const;
const writers = ['admin'] as const;

/** `/api/v1/webhooks`: signed HTTP deliveries of the organization's lifecycle events, with their log. */
export const webhookRoutes: RouteModule = ({ container, route }) => {
  const webhooks = () => container.services.webhooks;

  route(
    {
      method: 'post',
      path: '/api/v1/webhooks',
      operationId: 'createWebhook',
      summary: 'Register a webhook (URL checked against the allowed destinations)',
      description:
        'Deliveries are POSTed as JSON and signed: `X-Rackpilot-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. ' +
        'Private, loopback, link-local and similar destinations are refused (400 WEBHOOK_DESTINATION_FORBIDDEN) ' +
        'unless inside RACKPILOT_WEBHOOK_ALLOWED_NETWORKS.',
      tags,
      roles: writers,
      request: { body: createWebhookBody },
      audit: { action: 'webhook.create', targetType: 'webhook' },
      responses: {
        201: { description: 'Registered; the secret is in this response only', schema: createdWebhookSchema },
      },
    },
    async (ctx, { body }) => {
      const { webhook, secret } = await webhooks().create(authOf(ctx).orgId, body);
      audit(ctx, { action: 'webhook.create', target: { type: 'webhook', id: webhook._id } });
      return reply(201, { ...presentWebhook(webhook), secret });
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/webhooks',
      operationId: 'listWebhooks',
      summary: 'List webhooks',
      tags,
      roles: readers,
      request: { query: listWebhooksQuery },
      responses: { 200: { description: 'One page of webhooks', schema: listSchema('webhooks', webhookSchema) } },
    },
    async (ctx, { query }) => {
      const { items, total } = await webhooks().list(authOf(ctx).orgId, paginate(query));
      return reply(200, listBody('webhooks', items.map(presentWebhook), query, total));
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/webhooks/:id',
      operationId: 'getWebhook',
      summary: 'One webhook (never its secret)',
      tags,
      roles: readers,
      request: { params: webhookParams },
      responses: { 200: { description: 'The webhook', schema: webhookSchema } },
      errors: [404],
    },
    async (ctx, { params }) => reply(200, presentWebhook(await webhooks().get(authOf(ctx).orgId, params.id))),
  );

  route(
    {
      method: 'patch',
      path: '/api/v1/webhooks/:id',
      operationId: 'updateWebhook',
      summary: 'Change a webhook: URL, event filter, description, enabled, or its secret',
      tags,
      roles: writers,
      request: { params: webhookParams, body: updateWebhookBody },
      audit: { action: 'webhook.update', targetType: 'webhook' },
      responses: { 200: { description: 'The updated webhook', schema: webhookSchema } },
      errors: [404],
    },
    async (ctx, { params, body }) =>
      reply(200, presentWebhook(await webhooks().update(authOf(ctx).orgId, params.id, body))),
  );

  route(
    {
      method: 'delete',
      path: '/api/v1/webhooks/:id',
      operationId: 'deleteWebhook',
      summary: 'Remove a webhook and its delivery log',
      tags,
      roles: writers,
      request: { params: webhookParams },
      audit: { action: 'webhook.delete', targetType: 'webhook' },
      responses: { 204: { description: 'Deleted' } },
      errors: [404],
    },
    async (ctx, { params }) => {
      await webhooks().delete(authOf(ctx).orgId, params.id);
      return reply(204, undefined);
    },
  );

  route(
    {
      method: 'get',
      path: '/api/v1/webhooks/:id/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: 'The delivery log: each event sent, every attempt (time, HTTP status, duration, error), next attempt',
      tags,
      roles: readers,
      request: { params: webhookParams, query: listDeliveriesQuery },
      responses: { 200: { description: 'One page of deliveries', schema: listSchema('deliveries', deliverySchema) } },
      errors: [404],
    },
    async (ctx, { params, query }) => {
      const { items, total } = await webhooks().deliveries(authOf(ctx).orgId, params.id, paginate(query), query.state);
      return reply(200, listBody('deliveries', items.map(presentDelivery), query, total));
    },
  );

  route(
    {
      method: 'post',
      path: '/api/v1/webhooks/:id/ping',
      operationId: 'pingWebhook',
      summary: 'Send a signed `webhook.ping` test delivery now; answers with its first attempt',
      tags,
      roles: writers,
      request: { params: webhookParams },
      audit: { action: 'webhook.ping', targetType: 'webhook' },
      responses: { 200: { description: 'The test delivery after its first attempt', schema: deliverySchema } },
      errors: [404],
    },
    async (ctx, { params }) => reply(200, presentDelivery(await webhooks().ping(authOf(ctx).orgId, params.id))),
  );
};
