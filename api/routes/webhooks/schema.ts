import { z } from 'zod';
import { listQuery } from '../../http/paginate.js';
import { eventFilterPattern } from './event-pattern.js';

/** Path parameter `{id}` of one webhook. */
export { webhookIdParams as webhookParams } from '../../http/resource-id.js';

// The URL grammar of RFC 3986 (what `format: uri` admits), narrowed to what the egress guard takes:
// scheme http or https in any case, a host, a port up to 65535, no credentials. Written as a pattern
// so the document states it; where the destination may be (private ranges, allowed networks) is the
// guard's alone (api/webhooks/egress-guard.ts).
const UNRESERVED = 'A-Za-z0-9\\-._~';
const SUB_DELIMS = "!$&'()*+,;=";
const PCT_ENCODED = '%[0-9A-Fa-f]{2}';
const PCHAR = `(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT_ENCODED})`;
const HOST = `(?:\\[[0-9A-Fa-f:.]+\\]|(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT_ENCODED})+)`;
const PORT = '(?::0*(?:[0-9]{0,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?';
const QUERY_OR_FRAGMENT = `(?:${PCHAR}|[/?])*`;
const HTTP_URL = new RegExp(
  `^[Hh][Tt][Tt][Pp][Ss]?://${HOST}${PORT}(?:/${PCHAR}*)*(?:\\?${QUERY_OR_FRAGMENT})?(?:#${QUERY_OR_FRAGMENT})?$`,
);

const url = z
  .string()
  .max(2048)
  .regex(HTTP_URL, 'must be an http:// or https:// URL (RFC 3986) without credentials')
  .meta({ format: 'uri' })
  .describe('http:// or https:// URL receiving POSTed events');
const secret = z
  .string()
  .min(16)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .describe('Signing secret (16+ characters). Omit on create to have one generated (returned once).');
const events = z
  .array(
    z
      .string()
      .max(100)
      .regex(eventFilterPattern(), 'must be an event type, or a prefix of one followed by * (`asset.*`, `*`)'),
  )
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
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'nothing to change' })
  // The refinement is invisible to JSON Schema; `minProperties` says the same of a JSON body.
  .meta({ minProperties: 1 });

/** Query of `GET /api/v1/webhooks`. */
export const listWebhooksQuery = listQuery(['createdAt'], '-createdAt', {});

/** Query of `GET /api/v1/webhooks/{id}/deliveries`. */
export const listDeliveriesQuery = listQuery(['createdAt'], '-createdAt', {
  state: z.enum(['pending', 'delivered', 'failed']).optional().describe('Only deliveries in this state'),
});
