/**
 * The live progress view (stdout a TTY): a frame redrawn in place — the run with its elapsed
 * time, each step with a mark, the current one spinning, and a bar per node. Pure: a frame is a
 * function of the state, the time and the spinner's frame.
 */
import { duration } from '../output/table.js';
import { clock, summary } from './render-lines.js';
import { isFinished, nodeTrack, type ProgressState, type StepProgress } from './progress-state.js';

const BAR_WIDTH = 12;

function mark(step: StepProgress, spinner: string): string {
  switch (step.status) {
    case 'completed':
      return '✔';
    case 'failed':
      return '✖';
    case 'skipped':
      return '-';
    case 'running':
      return spinner;
    default:
      return '·';
  }
}

/** A bar of `at` out of a track of `length` states: `██████░░░░░░`. */
export function bar(at: number | null, length: number, width = BAR_WIDTH): string {
  const filled = at === null || length < 2 ? 0 : Math.round((at / (length - 1)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** The frame for `state` at `elapsedMs`; `spinner` is the spinning mark's current character. */
export function renderFrame(state: ProgressState, elapsedMs: number, spinner: string): string {
  const done = isFinished(state);
  const head = done
    ? summary(state)
    : `${spinner} ${state.type || 'workflow'} ${state.workflowId}  ${state.currentStep ?? state.status}  ${clock(elapsedMs)}`;
  const lines = [head];
  for (const step of state.steps) {
    const took = step.status === 'running' || step.status === 'pending' ? '' : `  ${duration(step.durationMs)}`;
    const why = step.status === 'failed' && step.error ? `  ${step.error.reason}: ${step.error.message}` : '';
    lines.push(`  ${mark(step, spinner)} ${step.name}${took}${why}`);
  }
  const track = nodeTrack(state.type);
  if (state.nodes.length > 0) {
    const width = Math.max(...state.nodes.map((n) => n.label.length));
    lines.push('  nodes');
    for (const node of state.nodes) {
      lines.push(`    ${node.label.padEnd(width)}  ${bar(node.at, track.length)}  ${node.state ?? '?'}`);
    }
  }
  return lines.join('\n');
}
