import type { Logger } from '../../shared/logger.js';
import type { SecretBox } from '../../shared/secret-box.js';
import type { ApiConfig } from '../config.js';
import { EventHub } from '../services/event-hub.js';
import { WebhookService } from '../services/webhook-service.js';
import { WebhookDispatcher } from '../webhooks/dispatcher.js';
import { EgressGuard } from '../webhooks/egress-guard.js';
import type { Repositories } from './repositories.js';

/** Lifecycle events out of the process: the SSE fan-out, and webhooks with their delivery. */
export function createEventDelivery(deps: {
  config: ApiConfig;
  repositories: Repositories;
  secretBox: SecretBox;
  now: () => Date;
  log: Logger;
}) {
  const { config, repositories, secretBox, now, log } = deps;
  const eventHub = new EventHub({
    events: repositories.events,
    log,
    now,
    options: {
      pollMs: config.events.pollMs,
      lookbackMs: config.events.lookbackMs,
      heartbeatMs: config.events.heartbeatMs,
    },
  });
  // One guard for both: a URL refused at registration is refused at delivery too (DNS may change).
  const guard = new EgressGuard(config.webhooks.allowedNetworks);
  const webhookDispatcher = new WebhookDispatcher({
    events: repositories.events,
    webhooks: repositories.webhooks,
    deliveries: repositories.webhookDeliveries,
    secrets: secretBox,
    guard,
    log,
    now,
    options: {
      pollMs: config.webhooks.pollMs,
      lookbackMs: config.events.lookbackMs,
      maxAttempts: config.webhooks.maxAttempts,
      backoff: { baseMs: config.webhooks.backoffBaseMs, maxMs: config.webhooks.backoffMaxMs },
      timeoutMs: config.webhooks.timeoutMs,
      concurrency: config.webhooks.concurrency,
    },
  });
  const webhooks = new WebhookService({
    webhooks: repositories.webhooks,
    deliveries: repositories.webhookDeliveries,
    secrets: secretBox,
    guard,
    dispatcher: webhookDispatcher,
    now,
  });
  return { eventHub, webhookDispatcher, webhooks };
}
