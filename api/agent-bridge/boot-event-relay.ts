import type { AssetRepository } from '../../db/asset-repository.js';
import type { AgentEventRequest } from '../../shared/agent-protocol.js';
import { NotFoundError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { WorkflowSignaller } from './temporal-port.js';

/** A boot event as the agent reports it (`POST /api/v1/agent/events`). */
export type AgentBootEvent = AgentEventRequest;

/**
 * Turns boot events seen by a site's agent into signals to the workflow that owns the machine.
 * The machine is found within the agent's own site only.
 */
export class BootEventRelay {
  constructor(
    private readonly deps: {
      assets: AssetRepository;
      workflows: WorkflowSignaller;
      log: Logger;
      now?: () => Date;
    },
  ) {}

  /** Signals the event to the asset's current workflow. Returns which asset and workflow got it. */
  async relay(siteId: string, event: AgentBootEvent): Promise<{ assetId: string; workflowId: string }> {
    const asset = await this.deps.assets.findForBootEvent(siteId, { mac: event.mac, bmcAddress: event.bmcAddress });
    if (!asset)
      throw new NotFoundError(
        'No asset of this site matches the event',
        { mac: event.mac, bmcAddress: event.bmcAddress },
        'ASSET_NOT_FOUND',
      );
    if (!asset.workflowId)
      throw new NotFoundError(
        `Asset ${asset._id} has no running workflow`,
        { assetId: asset._id },
        'WORKFLOW_NOT_FOUND',
      );
    const at = event.at ?? (this.deps.now?.() ?? new Date()).toISOString();
    await this.deps.workflows.signal(asset.workflowId, 'bootEvent', {
      type: event.type,
      mac: event.mac,
      address: event.address,
      at,
    });
    this.deps.log.info({ assetId: asset._id, workflowId: asset.workflowId, event: event.type }, 'boot event relayed');
    return { assetId: asset._id, workflowId: asset.workflowId };
  }
}
