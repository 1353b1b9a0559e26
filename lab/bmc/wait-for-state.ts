/**
 * Resolves with a simulated BMC's state once `predicate` holds, polling every 20 ms; rejects after
 * `timeoutMs` naming `what` and the state it was left in. Shared by the IPMI and Redfish BMCs.
 */
export async function waitForState<S>(
  state: () => S,
  predicate: (state: S) => boolean,
  timeoutMs: number,
  what: string,
): Promise<S> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = state();
    if (predicate(current)) return current;
    if (Date.now() > deadline)
      throw new Error(`${what} never reached the expected state; now ${JSON.stringify(current)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
