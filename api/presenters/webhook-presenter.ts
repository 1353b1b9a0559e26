import { z } from 'zod';
import type { WebhookDeliveryDoc } from '../../db/webhook-delivery-repository.js';
import type { WebhookDoc } from '../../db/webhook-repository.js';
import { EVENT_TYPES, PING_EVENT_TYPE } from '../../shared/events.js';

const dateTime = z.iso.datetime();

/** A webhook as the API shows it: never its secret. */
export const webhookSchema = z.strictObject({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()).describe('Event type patterns delivered (`*`, `asset.*`, `workflow.step_finished`)'),
  description: z.string().nullable(),
  enabled: z.boolean(),
  createdAt: dateTime,
  updatedAt: dateTime,
});

/** A webhook as returned once at creation, with its signing secret. */
export const createdWebhookSchema = webhookSchema.extend({
  secret: z
    .string()
    .describe(
      'The signing secret. Returned only here (generated ones included): store it now; it is never shown again.',
    ),
});

const attemptSchema = z.strictObject({
  number: z.number().int().min(1),
  at: dateTime,
  durationMs: z.number().min(0),
  status: z.number().int().nullable().describe('HTTP status answered; null when the receiver did not answer'),
  error: z.string().nullable(),
});

/** One delivery of one event to one webhook, with every attempt. */
export const deliverySchema = z.strictObject({
  id: z.string().describe('`<webhookId>:<eventId>`; sent as X-Rackpilot-Delivery'),
  webhookId: z.string(),
  event: z.strictObject({
    id: z.string(),
    type: z.enum([...EVENT_TYPES, PING_EVENT_TYPE]),
    at: dateTime,
    data: z.record(z.string(), z.unknown()),
  }),
  state: z.enum(['pending', 'delivered', 'failed']),
  attemptCount: z.number().int().min(0),
  attempts: z.array(attemptSchema),
  nextAttemptAt: dateTime.nullable().describe('When the next attempt is due; null once delivered or failed'),
  deliveredAt: dateTime.nullable(),
  abandonedReason: z.string().nullable().describe('Why it ended without an attempt (webhook disabled or deleted)'),
  createdAt: dateTime,
  updatedAt: dateTime,
});

export type WebhookView = z.infer<typeof webhookSchema>;
export type DeliveryView = z.infer<typeof deliverySchema>;

/** Shapes a stored webhook for the wire (the sealed secret stays behind). */
export function presentWebhook(doc: WebhookDoc): WebhookView {
  return {
    id: doc._id,
    url: doc.url,
    events: doc.events ?? [],
    description: doc.description ?? null,
    enabled: doc.enabled,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** Shapes a stored delivery for the wire. */
export function presentDelivery(doc: WebhookDeliveryDoc): DeliveryView {
  return {
    id: doc._id,
    webhookId: doc.webhookId,
    event: { id: doc.event.id, type: doc.event.type, at: doc.event.at.toISOString(), data: doc.event.data ?? {} },
    state: doc.state,
    attemptCount: doc.attemptCount,
    // `?? []`: FerretDB 1.x may drop empty arrays.
    attempts: (doc.attempts ?? []).map((a) => ({
      number: a.number,
      at: a.at.toISOString(),
      durationMs: a.durationMs,
      status: a.status ?? null,
      error: a.error ?? null,
    })),
    nextAttemptAt: doc.nextAttemptAt ? doc.nextAttemptAt.toISOString() : null,
    deliveredAt: doc.deliveredAt ? doc.deliveredAt.toISOString() : null,
    abandonedReason: doc.abandonedReason ?? null,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}
