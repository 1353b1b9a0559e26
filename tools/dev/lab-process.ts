import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../../lab/lab.js';
import { startProcess, waitUntilReady, type ManagedProcess } from '../devservices/managed-process.js';

/** A lab running as its own process (`lab/cli.ts up --json`): what it printed, and how to stop it. */
export interface LabProcess extends Pick<Lab, 'servers' | 'network'> {
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Starts `rackpilot lab up --json` with every delay at zero as a child process booting from
 * `bootServerUrl`, and resolves once it has printed its servers. The lab's BMC relays, SSH, Talos
 * and Kubernetes endpoints then share no event loop with the API or the worker — as machines in
 * a rack do not.
 */
export async function startLabProcess(options: {
  machines: number;
  bootServerUrl: string;
  dir: string;
  timeoutMs?: number;
}): Promise<LabProcess> {
  const logFile = join(options.dir, 'lab.log');
  const child = startProcess(
    'lab',
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('../../lab/cli.ts', import.meta.url)),
      'up',
      '--json',
      '--fast',
      '--machines',
      String(options.machines),
      '--boot-server',
      options.bootServerUrl,
    ],
    { logFile },
  );
  let printed: Pick<Lab, 'servers' | 'network'> | undefined;
  try {
    await waitUntilReady(
      child,
      async () => {
        const line = (await readFile(logFile, 'utf8')).split('\n').find((l) => l.startsWith('{"lab":'));
        if (!line) throw new Error('no servers printed yet');
        printed = (JSON.parse(line) as { lab: Pick<Lab, 'servers' | 'network'> }).lab;
      },
      options.timeoutMs ?? 120_000,
    );
  } catch (err) {
    await child.stop();
    throw err;
  }
  const { servers, network } = printed!;
  return { servers, network, process: child, stop: () => child.stop(30_000) };
}
