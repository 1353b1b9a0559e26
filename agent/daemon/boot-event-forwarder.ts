/**
 * Forwards the boot services' events to the API (`POST /agent/events`), where they become workflow
 * signals. Artifact downloads are only logged: the contract has no event for them.
 */
import type { AgentEventRequest } from '../../shared/agent-protocol.js';
import type { BootEvent, BootEventSink } from '../boot/boot-events.js';
import type { BootEventOutbox } from './boot-event-outbox.js';

/** Returns the wire event of a boot event, or `null` when the API has no use for it. */
export function toAgentEvent(event: BootEvent): AgentEventRequest | null {
  if (event.type === 'utility-ready') {
    // The utility OS announced itself: where its SSH answers and, for a machine not yet
    // inventoried (unknown MAC), the BMC address by which the API recognises it.
    return {
      type: event.type,
      mac: event.mac,
      at: event.at,
      ...(event.bmcAddress ? { bmcAddress: event.bmcAddress } : {}),
      ...(event.address ? { address: event.address } : {}),
    };
  }
  if (event.type !== 'ipxe-served' && event.type !== 'config-fetched') return null;
  return { type: event.type, mac: event.mac, at: event.at };
}

/**
 * Returns the boot services' `onBootEvent`: queues each event the API needs on `outbox`, which
 * delivers it in order, retrying while the API is unreachable. Never throws into the boot path.
 */
export function bootEventForwarder(outbox: Pick<BootEventOutbox<AgentEventRequest>, 'enqueue'>): BootEventSink {
  return async (event) => {
    const wire = toAgentEvent(event);
    if (wire !== null) outbox.enqueue(wire);
  };
}
