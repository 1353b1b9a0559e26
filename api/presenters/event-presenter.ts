import { z } from 'zod';
import { EVENT_TYPES, type LifecycleEvent } from '../../shared/events.js';

/**
 * A lifecycle event on the wire: the `data:` line of the SSE stream and the body of a webhook
 * delivery. `data` depends on `type` (see shared/events.ts and api/README.md).
 */
export const eventSchema = z.strictObject({
  id: z.string().describe('Sorts by time; pass as Last-Event-ID or `since` to resume'),
  type: z.enum(EVENT_TYPES),
  orgId: z.string(),
  at: z.iso.datetime(),
  data: z.record(z.string(), z.unknown()),
});

export type EventView = z.infer<typeof eventSchema>;

/** Shapes a stored event for the wire. */
export function presentEvent(event: LifecycleEvent): EventView {
  return {
    id: event.id,
    type: event.type,
    orgId: event.orgId,
    at: event.at.toISOString(),
    data: event.data as unknown as Record<string, unknown>,
  };
}
