/**
 * A lab for the lab's own tests: the agent's real boot services on loopback (plans registered
 * straight into their registry) and N virtual servers booting from them; plus real `ipmitool`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ipmiBmcOf, startLab, type Lab, type LabOptions, type LabServerInfo } from '../../../lab/lab.js';
import { startLabBootServer, type LabBootServer } from '../../../lab/machine/lab-boot-server.js';
import { createLogger } from '../../../shared/logger.js';

const run = promisify(execFile);

export interface LabHarness {
  boot: LabBootServer;
  lab: Lab;
  close(): Promise<void>;
}

/** Starts boot services and a lab of `machines` servers wired to them (HTTP chain only, or full PXE). */
export async function startLabHarness(
  options: Partial<Omit<LabOptions, 'bootServerUrl'>> & { machines: number; fullPxe?: boolean },
): Promise<LabHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'rackpilot-lab-test-'));
  const boot = await startLabBootServer({ dir, logger: createLogger('lab-test', { level: 'warn' }) });
  const lab = await startLab({
    ...options,
    bootServerUrl: boot.url,
    ...(options.fullPxe ? { dhcp: boot.dhcp, tftp: boot.tftp } : {}),
  }).catch(async (err: unknown) => {
    await boot.close();
    throw err;
  });
  return {
    boot,
    lab,
    close: async () => {
      await lab.stop();
      await boot.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs real `ipmitool -I lanplus -C 3` against a lab BMC; resolves with stdout, rejects with stderr. */
export async function ipmitool(
  lanBmc: LabServerInfo['bmc'],
  args: string[],
  options: { password?: string; timeoutSec?: number; retries?: number } = {},
): Promise<string> {
  const bmc = ipmiBmcOf({ name: lanBmc.address, bmc: lanBmc });
  const base = ['-I', 'lanplus', '-C', String(bmc.cipherSuite), '-H', bmc.address, '-p', String(bmc.port)];
  const timing = ['-N', String(options.timeoutSec ?? 1), '-R', String(options.retries ?? 3)];
  // The password goes by environment (-E), never on the command line.
  const { stdout } = await run('ipmitool', [...base, ...timing, '-U', bmc.username, '-E', ...args], {
    env: { ...process.env, IPMI_PASSWORD: options.password ?? bmc.password },
    timeout: 30_000,
  });
  return stdout;
}
