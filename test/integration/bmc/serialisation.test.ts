import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyedMutex } from '../../../agent/bmc/bmc-queue.js';
import { IpmitoolBmcDriver } from '../../../agent/bmc/ipmitool-driver.js';
import { type CommandResult, runCommand, type RunCommandOptions } from '../../../agent/exec/run-command.js';
import { type IpmiSim, startIpmiSim } from '../../../lab/bmc/ipmi-sim.js';

/** Concurrent commands to one BMC run one ipmitool at a time; different BMCs run side by side. */

let dir: string;
const sims: IpmiSim[] = [];

/** Wraps the real runner to count ipmitool processes alive at once, per BMC port. */
function instrumentedRun() {
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  let peakTotal = 0;
  let total = 0;
  const run = async (file: string, args: readonly string[], options: RunCommandOptions): Promise<CommandResult> => {
    const port = args[args.indexOf('-p') + 1] as string;
    inFlight.set(port, (inFlight.get(port) ?? 0) + 1);
    total += 1;
    peak.set(port, Math.max(peak.get(port) ?? 0, inFlight.get(port) ?? 0));
    peakTotal = Math.max(peakTotal, total);
    try {
      return await runCommand(file, args, options);
    } finally {
      inFlight.set(port, (inFlight.get(port) ?? 1) - 1);
      total -= 1;
    }
  };
  return { run, peak, peakTotal: () => peakTotal };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackpilot-bmc-serial-'));
  for (const name of ['server-a', 'server-b']) {
    sims.push(await startIpmiSim({ username: 'admin', password: 'lab-Pa55word', stateDir: join(dir, name), name }));
  }
});

afterAll(async () => {
  await Promise.all(sims.map((sim) => sim.stop()));
  await rm(dir, { recursive: true, force: true });
});

describe('per-BMC serialisation against ipmi_sim', () => {
  it('never runs two ipmitool commands against one BMC at once, even from two driver instances', async () => {
    const { run, peak, peakTotal } = instrumentedRun();
    const queue = new KeyedMutex();
    const drivers = sims.flatMap((sim) =>
      [1, 2].map(
        () =>
          new IpmitoolBmcDriver(
            { host: sim.host, port: sim.port, username: sim.username, password: sim.password, cipherSuite: 3 },
            { run, queue, powerPoll: false },
          ),
      ),
    );
    const work = drivers.flatMap((bmc) => [
      bmc.powerState(),
      bmc.chassisStatus(),
      bmc.setBootDevice('pxe', { once: true, efi: true }),
      bmc.bmcInfo(),
      bmc.powerState(),
    ]);
    const results = await Promise.allSettled(work);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    for (const sim of sims) expect(peak.get(String(sim.port))).toBe(1);
    expect(peakTotal()).toBe(2); // the two BMCs were driven in parallel
  });
});
