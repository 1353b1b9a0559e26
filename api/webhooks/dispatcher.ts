import { randomUUID } from 'node:crypto';
import { eventIdFloor } from '../../db/event-repository.js';
import {
  deliveryId,
  type DeliveryAttempt,
  type WebhookDeliveryDoc,
  type WebhookDeliveryRepository,
} from '../../db/webhook-delivery-repository.js';
import type { WebhookDoc, WebhookRepository } from '../../db/webhook-repository.js';
import { webhookSecretContext } from '../../shared/secret-contexts.js';
import { PING_EVENT_TYPE, typeMatchesAny, type LifecycleEvent } from '../../shared/events.js';
import type { Logger } from '../../shared/logger.js';
import type { SecretBox } from '../../shared/secret-box.js';
import { presentEvent } from '../presenters/event-presenter.js';
import { EventTail, idMs, type EventSource } from '../services/event-tail.js';
import { retryDelayMs, type BackoffPolicy } from './backoff.js';
import type { EgressGuard } from './egress-guard.js';
import { postWebhook, type PostOutcome } from './post-webhook.js';
import { SIGNATURE_HEADER, signPayload } from './signature.js';

/** Tuning of the dispatcher (from the API configuration). */
export interface DispatcherOptions {
  pollMs: number;
  lookbackMs: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  timeoutMs: number;
  concurrency: number;
}

const CURSOR = 'fanout';
/** A claimed attempt not recorded this long after its timeout is taken to be lost with its process. */
const LOST_ATTEMPT_GRACE_MS = 60_000;

/**
 * Delivers lifecycle events to webhooks. Runs in every API process; processes cooperate through
 * the database only: fan-out inserts one delivery per (webhook, event) with a deterministic `_id`
 * (duplicates are refused), and each attempt is claimed exactly once (claim-once), so several
 * replicas never double-deliver. Retries back off exponentially with jitter up to `maxAttempts`.
 */
export class WebhookDispatcher {
  private readonly owner = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private tail: EventTail | undefined;
  private active = false;

  constructor(
    private readonly deps: {
      events: EventSource;
      webhooks: WebhookRepository;
      deliveries: WebhookDeliveryRepository;
      secrets: SecretBox;
      guard: EgressGuard;
      log: Logger;
      now: () => Date;
      options: DispatcherOptions;
    },
  ) {}

  /** Starts the loop (idempotent). Fan-out resumes from the position shared by all processes. */
  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    const stored = await this.deps.deliveries.cursor(CURSOR).catch((err: unknown) => {
      this.deps.log.warn({ err }, 'webhook fan-out position unreadable; starting from now');
      return undefined;
    });
    const nowMs = this.deps.now().getTime();
    // Re-read a lookback before the shared position: late inserts are caught, duplicates refused.
    const start = eventIdFloor((stored ? idMs(stored) : nowMs) - this.deps.options.lookbackMs);
    this.tail = new EventTail(this.deps.events, start, { lookbackMs: this.deps.options.lookbackMs, pageSize: 500 });
    // The very first start records where fan-out began, so a restart before any event still resumes there.
    if (!stored)
      await this.deps.deliveries
        .advanceCursor(CURSOR, eventIdFloor(nowMs))
        .catch((err: unknown) => this.deps.log.warn({ err }, 'could not record the webhook fan-out position'));
    this.schedule(0);
  }

  /** Stops the loop and waits for the attempts in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.active = false;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One round: fan new events out, attempt what is due. */
  async tick(): Promise<void> {
    try {
      await this.fanOut();
    } catch (err) {
      this.deps.log.warn({ err }, 'webhook fan-out failed; retrying');
    }
    try {
      await this.attemptDue();
    } catch (err) {
      this.deps.log.warn({ err }, 'webhook delivery round failed; retrying');
    }
  }

  /** Makes attempt 1 of a new delivery at once (pings answer with their outcome); retries follow the loop. */
  async deliverNow(delivery: WebhookDeliveryDoc): Promise<void> {
    await this.attempt(delivery);
  }

  private schedule(delayMs: number): void {
    if (!this.active) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule(this.deps.options.pollMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async fanOut(): Promise<void> {
    const tail = this.tail;
    if (!tail) return;
    // With no webhook anywhere nothing could be delivered, and a webhook receives only events after
    // its creation: move past now without reading the event log, whose scan costs FerretDB a read
    // of every event. A webhook created from here on is after the new position (minus the lookback
    // the next poll re-reads), so none of its events is skipped.
    if (!(await this.deps.webhooks.anyEnabled())) {
      tail.skipTo(eventIdFloor(this.deps.now().getTime()));
      await this.deps.deliveries.advanceCursor(CURSOR, tail.position);
      return;
    }
    const events = await tail.poll();
    if (events.length === 0) return;
    try {
      const orgIds = [...new Set(events.map((e) => e.orgId))];
      const hooks = await this.deps.webhooks.enabledIn(orgIds);
      const at = this.deps.now();
      const docs: WebhookDeliveryDoc[] = [];
      for (const event of events) {
        for (const hook of hooks) {
          // A webhook receives what happened after it was created, never the past.
          if (hook.orgId !== event.orgId || hook.createdAt > event.at || !typeMatchesAny(hook.events, event.type))
            continue;
          docs.push(newDelivery(hook, event, at));
        }
      }
      await this.deps.deliveries.insertNew(docs);
    } catch (err) {
      // Not fanned out: read them again next round (they are still inside the lookback window).
      tail.forget(events);
      throw err;
    }
    await this.deps.deliveries.advanceCursor(CURSOR, tail.position);
  }

  private async attemptDue(): Promise<void> {
    const due = await this.deps.deliveries.due(this.deps.options.concurrency * 4);
    let next = 0;
    const worker = async () => {
      while (next < due.length && this.active) {
        const delivery = due[next++] as WebhookDeliveryDoc;
        await this.attempt(delivery).catch((err: unknown) =>
          this.deps.log.warn({ err, deliveryId: delivery._id }, 'webhook attempt failed unexpectedly'),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.deps.options.concurrency, due.length) }, worker));
  }

  private async attempt(delivery: WebhookDeliveryDoc): Promise<void> {
    const { deliveries, options } = { deliveries: this.deps.deliveries, options: this.deps.options };
    const number = delivery.attemptCount + 1;
    if (!(await deliveries.claimAttempt(delivery._id, number, this.owner))) {
      await this.recoverLost(delivery, number);
      return;
    }
    const hook = await this.deps.webhooks.get(delivery.webhookId);
    if (!hook) return deliveries.abandon(delivery._id, 'webhook deleted');
    if (!hook.enabled && delivery.event.type !== PING_EVENT_TYPE)
      return deliveries.abandon(delivery._id, 'webhook disabled');
    const at = this.deps.now();
    const outcome = await this.post(hook, delivery, number, at).catch(
      // Claimed but not sent (e.g. the secret cannot be opened): record it, or the delivery would wait for
      // the lost-attempt recovery with nothing in its log.
      (err: unknown): PostOutcome => ({ ok: false, durationMs: 0, error: `not sent: ${errorText(err)}` }),
    );
    const attempt: DeliveryAttempt = {
      number,
      at,
      durationMs: outcome.durationMs,
      ...(outcome.status !== undefined ? { status: outcome.status } : {}),
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    };
    const final = outcome.ok || outcome.forbidden || number >= options.maxAttempts;
    const state = outcome.ok ? 'delivered' : final ? 'failed' : 'pending';
    const nextAttemptAt = final
      ? undefined
      : new Date(
          this.deps.now().getTime() +
            retryDelayMs(options.backoff, number, {
              ...(outcome.retryAfterSeconds !== undefined ? { retryAfterSeconds: outcome.retryAfterSeconds } : {}),
            }),
        );
    await deliveries.recordAttempt(delivery._id, attempt, { state, ...(nextAttemptAt ? { nextAttemptAt } : {}) });
    this.deps.log.info(
      {
        webhookId: hook._id,
        deliveryId: delivery._id,
        attempt: number,
        status: outcome.status,
        host: new URL(hook.url).host,
        state,
      },
      outcome.ok ? 'webhook delivered' : `webhook attempt failed: ${outcome.error ?? 'unknown'}`,
    );
  }

  private async post(hook: WebhookDoc, delivery: WebhookDeliveryDoc, number: number, at: Date): Promise<PostOutcome> {
    const body = JSON.stringify(presentEvent(delivery.event as LifecycleEvent));
    const secret = this.deps.secrets.open(hook.secretSealed, webhookSecretContext(hook._id));
    return postWebhook({
      url: new URL(hook.url),
      guard: this.deps.guard,
      body,
      timeoutMs: this.deps.options.timeoutMs,
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Rackpilot-Webhooks/1',
        [SIGNATURE_HEADER]: signPayload(secret, body, at.getTime() / 1000),
        'X-Rackpilot-Event': delivery.event.type,
        'X-Rackpilot-Delivery': delivery._id,
        'X-Rackpilot-Attempt': String(number),
      },
    });
  }

  /** An attempt claimed by a process that died before recording it is recorded as lost, so retries go on. */
  private async recoverLost(delivery: WebhookDeliveryDoc, number: number): Promise<void> {
    const claimedAt = await this.deps.deliveries.claimedAt(delivery._id, number);
    const staleAfter = this.deps.options.timeoutMs + LOST_ATTEMPT_GRACE_MS;
    if (!claimedAt || this.deps.now().getTime() - claimedAt.getTime() < staleAfter) return;
    if (!(await this.deps.deliveries.claimRecovery(delivery._id, number, this.owner))) return;
    const final = number >= this.deps.options.maxAttempts;
    await this.deps.deliveries.recordAttempt(
      delivery._id,
      { number, at: claimedAt, durationMs: 0, error: 'attempt lost: its API process stopped during delivery' },
      final
        ? { state: 'failed' }
        : {
            state: 'pending',
            nextAttemptAt: new Date(this.deps.now().getTime() + retryDelayMs(this.deps.options.backoff, number)),
          },
    );
  }
}

/** A new pending delivery of `event` to `hook`, due at once. */
export function newDelivery(
  hook: Pick<WebhookDoc, '_id' | 'orgId'>,
  event: WebhookDeliveryDoc['event'] | LifecycleEvent,
  at: Date,
): WebhookDeliveryDoc {
  return {
    _id: deliveryId(hook._id, event.id),
    webhookId: hook._id,
    orgId: hook.orgId,
    event: {
      id: event.id,
      type: event.type,
      orgId: event.orgId,
      at: event.at,
      data: event.data as Record<string, unknown>,
    },
    state: 'pending',
    attempts: [],
    attemptCount: 0,
    nextAttemptAt: at,
    createdAt: at,
    updatedAt: at,
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
