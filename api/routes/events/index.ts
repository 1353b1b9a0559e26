import { Readable } from 'node:stream';
import { z } from 'zod';
import { RateLimitedError, ValidationError } from '../../../shared/errors.js';
import { reply } from '../../http/define-route.js';
import { authOf } from '../../http/state.js';
import { presentedKey } from '../../middleware/authenticate.js';
import { openEventStream } from '../../services/event-stream.js';
import type { RouteModule } from '../index.js';
import { eventStreamQuery, lastEventIdHeader } from './schema.js';

/**
 * The stream body. Documented as text (what goes over the wire); checked at run time as a stream,
 * which is what the handler really returns.
 */
const sseBody = z.instanceof(Readable).meta({
  type: 'string',
  description:
    'Server-Sent Events. Each event: `id: <event id>`, `event: <type>`, `data: <JSON {id, type, orgId, at, data}>`; ' +
    'a `: heartbeat` comment every ~15 s.',
});

const STREAM_LIMITS = { maxBufferedBytes: 1024 * 1024, retryMs: 3_000, pageSize: 500 };

/** `GET /api/v1/events`: the organization's lifecycle events as Server-Sent Events. */
export const eventRoutes: RouteModule = ({ container, route }) => {
  // Open streams per key on this process: each holds a socket and a place in the hub (OWASP API4).
  const openStreams = new Map<string, number>();
  const maxStreams = container.config.events.maxStreamsPerKey;
  route(
    {
      method: 'get',
      path: '/api/v1/events',
      operationId: 'streamEvents',
      summary: 'Stream lifecycle events (asset state changes, workflow steps) as Server-Sent Events',
      description:
        'Live events of your organization. Resume after a disconnect with the `Last-Event-ID` header (EventSource ' +
        'sends it) or `?since=<event id>`: events after that id are replayed first, each id at most once. Events ' +
        'are kept for RACKPILOT_EVENTS_RETENTION_HOURS. One key holds at most RACKPILOT_EVENTS_MAX_STREAMS_PER_KEY ' +
        'open streams per API process; one more is 429 RATE_LIMITED.',
      tags: ['events'],
      roles: ['admin', 'operator', 'viewer'],
      request: { query: eventStreamQuery },
      responses: { 200: { description: 'The event stream', schema: sseBody, contentType: 'text/event-stream' } },
    },
    (ctx, { query }) => {
      const auth = authOf(ctx);
      let after = query.since;
      const header = ctx.get('Last-Event-ID');
      if (header) {
        const parsed = lastEventIdHeader.safeParse(header);
        if (!parsed.success)
          throw new ValidationError('Invalid request: header Last-Event-ID', {
            fields: [{ in: 'header', field: 'Last-Event-ID', message: 'must be an event id (evt_…)' }],
          });
        after = parsed.data;
      }
      const key = presentedKey(ctx);
      const open = openStreams.get(auth.keyId) ?? 0;
      if (open >= maxStreams)
        throw new RateLimitedError(Math.ceil(container.config.events.heartbeatMs / 1000), {
          reason: 'too many open event streams for this key',
          limit: maxStreams,
        });
      const { stream, close } = openEventStream(
        {
          hub: container.eventHub,
          events: container.repositories.events,
          log: container.log,
          now: container.now,
          limits: STREAM_LIMITS,
        },
        {
          orgId: auth.orgId,
          filter: {
            ...(query.type ? { types: query.type } : {}),
            ...(query.assetId ? { assetId: query.assetId } : {}),
            ...(query.clusterId ? { clusterId: query.clusterId } : {}),
            ...(query.workflowId ? { workflowId: query.workflowId } : {}),
          },
          ...(after !== undefined ? { after } : {}),
          // A key revoked while its stream is open ends the stream at the next heartbeat.
          stillAuthorized: () =>
            container.authenticator.authenticate(key).then(
              (again) => again.orgId === auth.orgId,
              () => false,
            ),
        },
      );
      openStreams.set(auth.keyId, open + 1);
      ctx.req.socket.setNoDelay(true);
      // Proxies (nginx) must pass each event on at once instead of buffering the response.
      ctx.set('X-Accel-Buffering', 'no');
      ctx.res.once('close', () => {
        const left = (openStreams.get(auth.keyId) ?? 1) - 1;
        if (left > 0) openStreams.set(auth.keyId, left);
        else openStreams.delete(auth.keyId);
        close();
        stream.destroy();
      });
      return reply(200, stream);
    },
  );
};
