import type { Command } from 'commander';
import { streamEvents, type StreamedEvent } from '../../client/event-stream.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../exit-codes.js';
import type { OutputFormat } from '../output/format.js';
import { stringify } from 'yaml';
import { defined, positiveInt, withOutput } from './options.js';

/** One event as a line: time, type, what it is about, what happened. */
export function eventLine(event: StreamedEvent): string {
  const at = event.at.replace('T', ' ').slice(0, 19);
  const d = event.data;
  switch (event.type) {
    case 'asset.state_changed': {
      const data = event.data;
      return `${at}  ${event.type}  ${data.assetId}  ${data.from} → ${data.to} (${data.transition})`;
    }
    case 'asset.bmc_detected':
      return `${at}  ${event.type}  ${event.data.assetId}  ${event.data.protocol}:${event.data.port}`;
    case 'workflow.started':
      return `${at}  ${event.type}  ${event.data.workflowId}  ${event.data.workflowType}`;
    case 'workflow.step_started':
      return `${at}  ${event.type}  ${event.data.workflowId}  ${event.data.step}`;
    case 'workflow.step_finished': {
      const data = event.data;
      const why = data.failureReason ? ` ${data.failureReason}: ${data.failureMessage ?? ''}` : '';
      return `${at}  ${event.type}  ${data.workflowId}  ${data.step}: ${data.status}${why}`;
    }
    case 'workflow.finished': {
      const data = event.data;
      return `${at}  ${event.type}  ${data.workflowId}  ${data.status}${data.error ? ` ${data.error.reason}: ${data.error.message}` : ''}`;
    }
    default:
      return `${at}  ${(event as StreamedEvent).type}  ${JSON.stringify(d)}`;
  }
}

/** How one event prints in a format: a line, one JSON object per line (NDJSON), or a YAML document. */
export function formatEvent(event: StreamedEvent, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(event)}\n`;
  if (format === 'yaml') return `---\n${stringify(event)}`;
  return `${eventLine(event)}\n`;
}

/** `rackpilot events`: tails the organization's lifecycle events (SSE) until Ctrl-C (or `--count`). */
export function eventsCommand(program: Command, ctx: CliContext): void {
  withOutput(
    program
      .command('events')
      .description('tail lifecycle events (asset state changes, workflow steps) as they happen')
      .option('--type <patterns>', 'comma-separated types or prefixes, e.g. asset.*,workflow.finished')
      .option('--asset <assetId>', 'only events about this asset')
      .option('--cluster <clusterId>', 'only events about this cluster')
      .option('--workflow <workflowId>', 'only events of this run')
      .option('--since <eventId>', 'replay the events after this id first')
      .option('--count <n>', 'stop after this many events', positiveInt('--count')),
  ).action(
    async (options: {
      output: OutputFormat;
      type?: string;
      asset?: string;
      cluster?: string;
      workflow?: string;
      since?: string;
      count?: number;
    }) => {
      const { apiUrl, apiKey } = await ctx.credentials();
      const types = options.type
        ?.split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      if (types && types.length === 0) throw new UsageError('--type needs at least one type');
      let seen = 0;
      const stop = new AbortController();
      ctx.io.signal?.addEventListener('abort', () => stop.abort(), { once: true });
      for await (const event of streamEvents({
        apiUrl,
        apiKey,
        signal: stop.signal,
        query: defined({
          types,
          assetId: options.asset,
          clusterId: options.cluster,
          workflowId: options.workflow,
          since: options.since,
        }),
        ...(ctx.io.fetch ? { fetch: ctx.io.fetch } : {}),
      })) {
        ctx.io.stdout.write(formatEvent(event, options.output));
        if (options.count !== undefined && ++seen >= options.count) break;
      }
      stop.abort();
    },
  );
}
