import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { persistentBootPlans } from '../../../agent/boot/boot-plan-store.js';
import { bootPrepare } from '../../../agent/jobs/boot-handlers.js';
import type { JobContext } from '../../../agent/jobs/job-context.js';
import { createLogger } from '../../../shared/logger.js';
import { startBootHarness, type BootHarness } from './boot-harness.js';

const MAC = '52:54:00:00:00:0b';
const log = createLogger('test', { level: 'silent' });

// The agent registered a machine's Talos plan (the job completed), then died before the machine
// was powered on. The restarted agent must still tell that machine to install Talos — not to
// boot from its (empty) disk.
describe('boot plans across an agent restart', () => {
  let dir: string;
  let harness: BootHarness | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rackpilot-agent-data-'));
  });
  afterEach(async () => {
    await harness?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a machine the Talos plan the previous agent process registered for it, with its config URL', async () => {
    const file = join(dir, 'boot-plans.json');
    const before = await persistentBootPlans(file, log);
    const ctx = {
      jobId: 'job_boot_prepare_1',
      bootPlans: before.plans,
      bootServerUrl: () => 'http://127.0.0.1:1',
      reportProgress: () => undefined,
    } as unknown as JobContext;
    await bootPrepare(
      {
        assetId: 'ast_0000000000000b0b',
        macs: [MAC],
        plan: { kind: 'talos', talosVersion: 'v1.10.6', clusterId: 'clu_1' },
      },
      ctx,
    );
    // The handler returned: the plan is on disk. The process dies here; a new one starts from the file.
    const after = await persistentBootPlans(file, log);
    harness = await startBootHarness({}, after.plans);
    const script = await (await fetch(`${harness.server.url}/ipxe?mac=${MAC}`)).text();
    const token = before.plans.get(MAC)!.talos!.configUrlToken;
    expect(script).toContain(`talos.config=${harness.server.url}/config/${token}?mac=${MAC}`);
    expect(script).not.toMatch(/^exit/m);
  });
});
