import { z } from 'zod';
import { isEventId } from '../../../db/event-repository.js';
import { unknownTypePatterns } from '../../../shared/events.js';

const eventId = z.string().refine(isEventId, 'must be an event id (evt_…)');

/** Query of `GET /api/v1/events`. */
export const eventStreamQuery = z.strictObject({
  since: eventId
    .optional()
    .describe('Replay events after this id first (the `Last-Event-ID` header, when sent, takes precedence)'),
  type: z
    .string()
    .optional()
    .transform((text) =>
      text === undefined
        ? undefined
        : text
            .split(',')
            .map((t) => t.trim())
            .filter((t) => t !== ''),
    )
    .refine((types) => types === undefined || unknownTypePatterns(types).length === 0, {
      message: 'comma-separated event types or prefixes (asset.*, workflow.step_finished, *)',
    })
    .describe('Comma-separated event types or prefix patterns, e.g. `asset.*,workflow.step_finished`'),
  assetId: z.string().min(1).max(100).optional().describe('Only events about this asset'),
  clusterId: z.string().min(1).max(100).optional().describe('Only events about this cluster'),
  workflowId: z.string().min(1).max(200).optional().describe('Only events of this workflow run'),
});

/** The `Last-Event-ID` header, when it is an event id (EventSource sends back the last `id:` it saw). */
export const lastEventIdHeader = eventId;
