import spinners from 'cli-spinners';
import { createLogUpdate } from 'log-update';
import type { OutStream } from '../context.js';
import { isFinished, type ProgressState } from './progress-state.js';
import { renderFrame } from './render-frame.js';
import { LineLog } from './render-lines.js';

/** Shows a watched run as it changes. */
export interface ProgressReporter {
  update(state: ProgressState): void;
  /** The last picture; stops any timer. */
  finish(state: ProgressState): void;
}

/** The TTY view (redrawn in place by log-update, with a spinner) or the line-per-fact view, by the stream. */
export function createReporter(stream: OutStream, now: () => number): ProgressReporter {
  const began = now();
  const elapsed = (state: ProgressState) =>
    now() - (state.startedAt !== null ? Math.min(state.startedAt, now()) : began);
  return stream.isTTY ? ttyReporter(stream, elapsed) : lineReporter(stream, elapsed);
}

function lineReporter(stream: OutStream, elapsed: (s: ProgressState) => number): ProgressReporter {
  const log = new LineLog();
  const write = (state: ProgressState, final: boolean) => {
    for (const line of log.next(state, elapsed(state), final)) stream.write(`${line}\n`);
  };
  return { update: (state) => write(state, false), finish: (state) => write(withDuration(state, elapsed), true) };
}

function ttyReporter(stream: OutStream, elapsed: (s: ProgressState) => number): ProgressReporter {
  const draw = createLogUpdate(stream as NodeJS.WriteStream, { showCursor: false });
  const { frames, interval } = spinners.dots;
  let tick = 0;
  let latest: ProgressState | undefined;
  let finished = false;
  const paint = () => latest && draw(renderFrame(latest, elapsed(latest), frames[tick % frames.length] ?? '*'));
  // The spinner and the elapsed time move between events too.
  const timer = setInterval(() => {
    tick++;
    paint();
  }, interval * 2);
  timer.unref();
  return {
    update(state) {
      if (finished) return;
      latest = state;
      paint();
    },
    finish(state) {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      latest = withDuration(state, elapsed);
      paint();
      draw.done();
    },
  };
}

/** The state with a duration: the API's, else the time watched (the API's may not be written yet). */
function withDuration(state: ProgressState, elapsed: (s: ProgressState) => number): ProgressState {
  return state.durationMs !== null || !isFinished(state) ? state : { ...state, durationMs: elapsed(state) };
}
