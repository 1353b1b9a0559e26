import type { CliContext } from '../context.js';
import type { OutputFormat } from '../output/format.js';
import { detailTable } from '../output/table.js';
import { requireCompleted, watchWorkflow } from '../progress/watch-workflow.js';
import type { ProgressState } from '../progress/progress-state.js';

/**
 * The end of a command that started a workflow: with `--no-wait`, prints what the API accepted
 * and returns; otherwise shows the run's progress until it ends and throws ActionFailedError
 * (exit 1) unless it completed. Returns the last progress state when it waited.
 */
export async function followWorkflow(
  ctx: CliContext,
  accepted: { workflowId: string } & Record<string, unknown>,
  options: { wait: boolean; output: OutputFormat },
): Promise<ProgressState | undefined> {
  if (!options.wait) {
    ctx.print(accepted, options.output, (a) =>
      [
        detailTable(Object.entries(a).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : (v as string)])),
        '',
        `Follow it: rackpilot workflows watch ${a.workflowId}`,
      ].join('\n'),
    );
    return undefined;
  }
  const state = await watchWorkflow(ctx, accepted.workflowId, { stream: ctx.progressStream(options.output) });
  requireCompleted(state);
  return state;
}
