import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { recordedHistories } from '../../support/histories.js';
import { historyDataConverter, workflowBundle } from '../../support/orchestration-harness.js';

// Temporal replays every workflow from its history after a worker restart; a code change that
// alters the commands an existing history recorded breaks running workflows. These recorded
// runs must keep replaying cleanly against the current workflow code.
describe('recorded workflow histories', () => {
  const histories = recordedHistories();

  it('exist for every workflow type', () => {
    const names = histories.map((h) => h.name.split('-')[0]);
    expect(new Set(names)).toEqual(new Set(['discovery', 'wipe', 'cluster', 'provision']));
  });

  for (const { name, workflowId, history } of histories) {
    it(`replays ${name} deterministically`, async () => {
      await Worker.runReplayHistory(
        { workflowBundle: await workflowBundle(), dataConverter: historyDataConverter() },
        history,
        workflowId,
      );
    });
  }
});
