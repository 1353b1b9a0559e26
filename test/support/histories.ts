import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

/** Recorded workflow histories: replaying them against today's code catches non-determinism. */
export const HISTORIES_DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

/**
 * Saves a finished run's history as `<name>.json` when `RECORD_HISTORIES=1`
 * (`RECORD_HISTORIES=1 npx vitest run --project integration test/integration/workflows`).
 * Re-record only when a workflow change is meant to be incompatible (and version it).
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  // The workflow id is kept: child workflow ids derive from it, so replay must use the same one.
  const body = `{"workflowId":${JSON.stringify(handle.workflowId)},"history":${historyToJSON(history)}}`;
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), `${body}\n`);
}

/** Every recorded history, by file name. */
export function recordedHistories(): { name: string; workflowId: string; history: unknown }[] {
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const recorded = JSON.parse(readFileSync(join(HISTORIES_DIR, f), 'utf8')) as {
        workflowId: string;
        history: unknown;
      };
      return { name: f.replace(/\.json$/, ''), ...recorded };
    });
}
