import { describe, expect, it } from 'vitest';
import { eventsUrl, streamEvents, type StreamedEvent } from './event-stream.js';

const event = (id: string, workflowId: string) =>
  `id: ${id}\nevent: workflow.started\ndata: ${JSON.stringify({
    id,
    type: 'workflow.started',
    orgId: 'org_1',
    at: '2026-01-01T00:00:00.000Z',
    data: { workflowId, workflowType: 'discovery' },
  })}\n\n`;

/** A fetch that answers each call with the next body, as an SSE stream that then ends (a dropped connection). */
function sse(...bodies: string[]) {
  const calls: { url: string; lastEventId: string | null }[] = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    calls.push({ url, lastEventId: headers.get('last-event-id') });
    const body = bodies.shift();
    if (body === undefined) return new Promise<Response>(() => undefined);
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('the SSE reader', () => {
  it('yields each event, skips comments, and reconnects after a drop from the last id (Last-Event-ID)', async () => {
    const server = sse(`: heartbeat\n\nretry: 5\n\n${event('evt_1', 'a')}${event('evt_2', 'b')}`, event('evt_3', 'c'));
    const stop = new AbortController();
    const seen: StreamedEvent[] = [];
    let opened = 0;
    for await (const e of streamEvents({
      apiUrl: 'http://api',
      apiKey: 'rp_k',
      query: { types: ['workflow.*'], clusterId: 'clu_1' },
      signal: stop.signal,
      onOpen: () => opened++,
      fetch: server.fetch,
    })) {
      seen.push(e);
      if (seen.length === 3) stop.abort();
    }
    expect(seen.map((e) => e.id)).toEqual(['evt_1', 'evt_2', 'evt_3']);
    expect(opened).toBe(1);
    expect(server.calls[0]).toEqual({
      url: 'http://api/api/v1/events?type=workflow.*&clusterId=clu_1',
      lastEventId: null,
    });
    expect(server.calls[1]).toEqual({
      url: 'http://api/api/v1/events?type=workflow.*&clusterId=clu_1&since=evt_2',
      lastEventId: 'evt_2',
    });
  });

  it('throws the API’s error when the stream is refused', async () => {
    const fetch = (async () =>
      new Response(JSON.stringify({ error: 'Invalid API key', code: 'UNAUTHORIZED', details: null }), {
        status: 401,
      })) as typeof globalThis.fetch;
    const reading = streamEvents({ apiUrl: 'http://api', apiKey: 'bad', fetch }).next();
    await expect(reading).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('builds the URL of the filters it is given', () => {
    expect(eventsUrl('http://api/', { assetId: 'ast_1', since: 'evt_9' })).toBe(
      'http://api/api/v1/events?assetId=ast_1&since=evt_9',
    );
  });
});

describe('an API under a path prefix', () => {
  it('keeps the prefix in the stream URL', () => {
    expect(eventsUrl('https://ops.example/rackpilot/')).toBe('https://ops.example/rackpilot/api/v1/events');
  });
});
