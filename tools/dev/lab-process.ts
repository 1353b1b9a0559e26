import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../../lab/lab.js';
import { startProcess, type ManagedProcess } from '../devservices/managed-process.js';

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
  let exited = false;
  void child.exited.then(() => (exited = true));
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    const line = text.split('\n').find((l) => l.startsWith('{"lab":'));
    if (line) {
      const { lab } = JSON.parse(line) as { lab: Pick<Lab, 'servers' | 'network'> };
      return { servers: lab.servers, network: lab.network, process: child, stop: () => child.stop(30_000) };
    }
    if (exited || Date.now() > deadline) {
      await child.stop();
      throw new Error(
        `lab process ${exited ? 'exited' : 'did not start in time'}; see ${logFile}:\n${text.slice(-2000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
