import type { PowerState } from './bmc-driver.js';
import { BmcCommandFailedError } from './bmc-errors.js';
import { abortableSleep } from './retry.js';

/** How a driver polls after a power change: IPMI BMCs apply at once, Redfish ones seconds later. */
export type PowerPoll = { timeoutMs: number; intervalMs: number } | false;

/**
 * Polls `read` until the BMC reports `target`; a BMC that acknowledged a change it never applies
 * fails as retryable `BmcCommandFailed` after `poll.timeoutMs`. `poll: false` does not wait.
 */
export async function waitForPowerState(options: {
  read: () => Promise<PowerState>;
  target: PowerState;
  poll: PowerPoll;
  /** `host:port`, for the message. */
  bmc: string;
  signal: AbortSignal;
}): Promise<void> {
  const { poll, target, bmc } = options;
  if (poll === false) return;
  const deadline = Date.now() + poll.timeoutMs;
  for (;;) {
    const state = await options.read();
    if (state === target) return;
    if (Date.now() + poll.intervalMs > deadline) {
      throw new BmcCommandFailedError(`BMC ${bmc} acknowledged power ${target} but still reports ${state}`, {
        retryable: true,
        details: { bmc, operation: `waitForPower(${target})` },
      });
    }
    await abortableSleep(poll.intervalMs, options.signal);
  }
}
