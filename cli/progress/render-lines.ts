/**
 * The plain progress mode (stdout not a TTY: CI logs, pipes): one line per fact, each said once —
 * a step started or ended, a node changed state, the run ended. Pure: it remembers what it said.
 */
import { duration } from '../output/table.js';
import { isFinished, type ProgressState } from './progress-state.js';

/** `[mm:ss]` of an elapsed time. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Remembers what was said of a run and returns only the new lines for each new state. */
export class LineLog {
  private readonly said = new Set<string>();

  /**
   * The lines `state` adds to what was said before, prefixed with the elapsed time. The run's end
   * is said only in the `final` picture, which has its duration.
   */
  next(state: ProgressState, elapsedMs: number, final = false): string[] {
    const lines: string[] = [];
    const say = (fact: string, text: string) => {
      if (this.said.has(fact)) return;
      this.said.add(fact);
      lines.push(`[${clock(elapsedMs)}] ${text}`);
    };
    if (state.type) say('start', `${state.type} ${state.workflowId}`);
    for (const [i, step] of state.steps.entries()) {
      if (step.status === 'running') say(`step:${i}:running`, `${step.name} …`);
      if (step.status === 'completed') say(`step:${i}:done`, `${step.name}: done (${duration(step.durationMs)})`);
      if (step.status === 'skipped') say(`step:${i}:done`, `${step.name}: skipped`);
      if (step.status === 'failed') {
        const why = step.error ? ` ${step.error.reason}: ${step.error.message}` : '';
        say(`step:${i}:done`, `${step.name}: FAILED${why}`);
      }
    }
    for (const node of state.nodes) {
      if (node.state)
        say(`node:${node.assetId}:${node.state}:${node.at ?? '-'}`, `  node ${node.label}: ${node.state}`);
    }
    if (final && isFinished(state)) say('end', summary(state));
    return lines;
  }
}

/** The last line of a run: how it ended and how long it took, with the error when it failed. */
export function summary(state: ProgressState): string {
  const took = state.durationMs !== null ? ` in ${duration(state.durationMs)}` : '';
  const error = state.error ? ` at "${state.error.step}": ${state.error.reason}: ${state.error.message}` : '';
  return `${state.type || 'workflow'} ${state.status}${took}${error}`;
}
