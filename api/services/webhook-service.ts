import { newEventId } from '../../db/event-repository.js';
import type {
  WebhookDeliveryDoc,
  WebhookDeliveryRepository,
  DeliveryState,
} from '../../db/webhook-delivery-repository.js';
import {
  newWebhookId,
  type WebhookDoc,
  type WebhookRepository,
} from '../../db/webhook-repository.js';
import { webhookSecretContext } from '../../shared/secret-contexts.js';
import { ValidationError, NotFoundError } from '../../shared/errors.js';
import { PING_EVENT_TYPE, unknownTypePatterns } from '../../shared/events.js';
import type { SecretBox } from '../../shared/secret-box.js';
import type { PageRequest } from '../../db/page.js';
import { newDelivery, type WebhookDispatcher } from '../webhooks/dispatcher.js';
import type { EgressGuard } from '../webhooks/egress-guard.js';
import { generateWebhookSecret } from '../webhooks/signature.js';

/** What creating a webhook takes (validated by the route). */
export interface NewWebhook {
  url: string;
  secret?: string | undefined;
  events?: string[] | undefined;
  description?: string | undefined;
  enabled?: boolean | undefined;
}

/** What a PATCH may change; `description: null` removes it. */
export interface WebhookChange {
  url?: string | undefined;
  secret?: string | undefined;
  events?: string[] | undefined;
  description?: string | null | undefined;
  enabled?: boolean | undefined;
}

/** Webhooks of an organization: registration (URL checked by the egress guard), edits, the delivery log, pings. */
export class WebhookService {
  constructor(
    private readonly deps: {
      webhooks: WebhookRepository;
      deliveries: WebhookDeliveryRepository;
      secrets: SecretBox;
      guard: EgressGuard;
      dispatcher: WebhookDispatcher;
      now: () => Date;
    },
  ) {}

  /**
   * Registers a webhook; returns it with its secret (the only time the secret leaves the process).
   * Throws VALIDATION_FAILED (bad URL, unknown event type) or WEBHOOK_DESTINATION_FORBIDDEN.
   */
  async create(orgId: string, input: NewWebhook): Promise<{ webhook: WebhookDoc; secret: string }> {
    const url = this.deps.guard.checkUrl(input.url).href;
    const events = checkPatterns(input.events ?? ['*']);
    const id = newWebhookId();
    const secret = input.secret ?? generateWebhookSecret();
    const at = this.deps.now();
    const webhook: WebhookDoc = {
      _id: id,
      orgId,
      url,
      events,
      ...(input.description !== undefined ? { description: input.description } : {}),
      enabled: input.enabled ?? true,
      secretSealed: this.deps.secrets.seal(secret, webhookSecretContext(id)),
      createdAt: at,
      updatedAt: at,
    };
    await this.deps.webhooks.insert(webhook);
    return { webhook, secret };
  }

  list(orgId: string, page: PageRequest) {
    return this.deps.webhooks.list(orgId, page);
  }

  /** Throws WEBHOOK_NOT_FOUND (404) unless the webhook exists in the organization. */
  async get(orgId: string, id: string): Promise<WebhookDoc> {
    const webhook = await this.deps.webhooks.findInOrg(orgId, id);
    if (!webhook) throw notFound(id);
    return webhook;
  }

  /** Changes a webhook; a new `secret` replaces the old one at once (it is not echoed back). */
  async update(orgId: string, id: string, change: WebhookChange): Promise<WebhookDoc> {
    await this.get(orgId, id);
    const set: Partial<WebhookDoc> = { updatedAt: this.deps.now() };
    const unset: (keyof WebhookDoc)[] = [];
    if (change.url !== undefined) set.url = this.deps.guard.checkUrl(change.url).href;
    if (change.events !== undefined) set.events = checkPatterns(change.events);
    if (change.enabled !== undefined) set.enabled = change.enabled;
    if (change.secret !== undefined) set.secretSealed = this.deps.secrets.seal(change.secret, webhookSecretContext(id));
    if (change.description === null) unset.push('description');
    else if (change.description !== undefined) set.description = change.description;
    const updated = await this.deps.webhooks.update(orgId, id, set, unset);
    if (!updated) throw notFound(id);
    return updated;
  }

  /** Deletes a webhook and its delivery log. */
  async delete(orgId: string, id: string): Promise<void> {
    if (!(await this.deps.webhooks.delete(orgId, id))) throw notFound(id);
    await this.deps.deliveries.deleteForWebhook(id);
  }

  /** The webhook's delivery log, newest first. */
  async deliveries(orgId: string, id: string, page: PageRequest, state?: DeliveryState) {
    await this.get(orgId, id);
    return this.deps.deliveries.list(orgId, id, page, state);
  }

  /**
   * Sends a `webhook.ping` test delivery now (even to a disabled webhook) and returns it with its
   * first attempt; a failed ping is retried like any delivery while the dispatcher runs.
   */
  async ping(orgId: string, id: string): Promise<WebhookDeliveryDoc> {
    const webhook = await this.get(orgId, id);
    const at = this.deps.now();
    const delivery = newDelivery(
      webhook,
      { id: newEventId(at), type: PING_EVENT_TYPE, orgId, at, data: { webhookId: id } },
      at,
    );
    await this.deps.deliveries.insertNew([delivery]);
    await this.deps.dispatcher.deliverNow(delivery);
    return (await this.deps.deliveries.get(delivery._id)) ?? delivery;
  }
}

function checkPatterns(patterns: string[]): string[] {
  const unknown = unknownTypePatterns(patterns);
  if (unknown.length > 0)
    throw new ValidationError(`Unknown event types: ${unknown.join(', ')}`, {
      fields: unknown.map((p) => ({ in: 'body', field: 'events', message: `${p} matches no event type` })),
    });
  return [...new Set(patterns)];
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`Webhook ${id} not found`, { webhookId: id }, 'WEBHOOK_NOT_FOUND');
}
