import { condition, defineSignal, setHandler, ApplicationFailure } from '@temporalio/workflow';
import { FailureTypes } from '../../shared/failure-types.js';

/** What the agent's boot services observed about a machine (DESIGN.md: boot events become signals). */
export interface BootEvent {
  type: 'ipxe-served' | 'config-fetched' | 'utility-ready' | 'talos-api-up';
  mac?: string;
  /** For `utility-ready`: where the utility OS's SSH server answers (`host:port`). */
  address?: string;
  at: string;
}

/** Delivered by the API when the site's agent reports a boot event for the asset this workflow owns. */
export const bootEventSignal = defineSignal<[BootEvent]>('bootEvent');

/** Collects boot events and waits for a given one, failing with BootTimeout when it never comes. */
export class BootWatcher {
  private readonly events: BootEvent[] = [];

  constructor() {
    setHandler(bootEventSignal, (event) => {
      this.events.push(event);
    });
  }

  /** Forgets earlier events, so a wait after a reboot only sees events of the new boot. */
  reset(): void {
    this.events.length = 0;
  }

  /** Resolves with the first event of `type` (past or future), or throws BootTimeout after `timeout`. */
  async waitFor(type: BootEvent['type'], timeout: string | number, what: string): Promise<BootEvent> {
    const arrived = await condition(() => this.events.some((e) => e.type === type), timeout);
    const event = this.events.find((e) => e.type === type);
    if (!arrived || !event) {
      throw ApplicationFailure.create({
        type: FailureTypes.BootTimeout,
        message: `${what} did not happen within ${String(timeout)}`,
        nonRetryable: true,
      });
    }
    return event;
  }
}
