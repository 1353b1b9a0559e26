import { Context } from '@temporalio/activity';

/** The running activity's heartbeat, or undefined outside an activity (unit tests call activities directly). */
function currentHeartbeat(): (() => void) | undefined {
  try {
    const context = Context.current();
    return () => context.heartbeat();
  } catch {
    return undefined;
  }
}

/**
 * Runs `work`, heartbeating at once and every `everyMs` while it runs, so that an activity declared
 * with a `heartbeatTimeout` is retried on another worker soon after its worker dies instead of
 * after its whole start-to-close timeout.
 */
export async function keepAlive<T>(
  work: () => Promise<T>,
  everyMs = 2_000,
  heartbeat: (() => void) | undefined = currentHeartbeat(),
): Promise<T> {
  if (!heartbeat) return work();
  heartbeat();
  const timer = setInterval(heartbeat, everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
