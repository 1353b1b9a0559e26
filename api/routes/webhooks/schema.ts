import { z } from 'zod';
import { listQuery } from '../../http/paginate.js';

/** Path parameter `{id}` of one webhook. */
export { webhookIdParams as webhookParams } from '../../http/resource-id.js';

const url = z.string().trim().min(1).max(2048).describe('http:// or https:// URL receiving POSTed events');
const secret = z
  .string()
  .min(16)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .describe('Signing secret (16+ characters). Omit on create to have one generated (returned once).');
const events = z
  .array(z.string().min(1).max(100))
  .min(1)
  .max(50)
  .describe('Event types or prefix patterns (`*`, `asset.*`, `workflow.step_finished`). Default `["*"]`.');
const description = z.string().max(500);

/** Body of `POST /api/v1/webhooks`. */
export const createWebhookBody = z.strictObject({
  url,
  secret: secret.optional(),
  events: events.optional(),
  description: description.optional(),
  enabled: z.boolean().optional().describe('Default true'),
});

/** Body of `PATCH /api/v1/webhooks/{id}`. */
export const updateWebhookBody = z
  .strictObject({
    url: url.optional(),
    secret: secret.optional().describe('Replaces the signing secret at once (not echoed back)'),
    events: events.optional(),
    description: description.nullable().optional().describe('null removes it'),
    enabled: z.boolean().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'nothing to change' });

/** Query of `GET /api/v1/webhooks`. */
export const listWebhooksQuery = listQuery(['createdAt'], '-createdAt', {});

/** Query of `GET /api/v1/webhooks/{id}/deliveries`. */
export const listDeliveriesQuery = listQuery(['createdAt'], '-createdAt', {
  state: z.enum(['pending', 'delivered', 'failed']).optional().describe('Only deliveries in this state'),
});
