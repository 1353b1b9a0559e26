import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChassisEvent } from '../../../lab/bmc/sim-events.js';
import { type IpmiSim, startIpmiSim } from '../../../lab/bmc/ipmi-sim.js';

/** The lab harness itself: one ipmi_sim per simulated server, observable from Node, leaving nothing behind. */

const run = promisify(execFile);
let dir: string;

/** Runs the real ipmitool against a simulated BMC (not through our driver: the harness is under test). */
function ipmitool(sim: IpmiSim, ...command: string[]) {
  const args = [
    '-I',
    'lanplus',
    '-C',
    '3',
    '-H',
    sim.host,
    '-p',
    String(sim.port),
    '-U',
    sim.username,
    '-E',
    ...command,
  ];
  return run('ipmitool', args, { env: { PATH: process.env.PATH, IPMI_PASSWORD: sim.password } });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackpilot-ipmi-sim-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('startIpmiSim', () => {
  it('reports power and boot requests to the caller as they happen', async () => {
    const events: ChassisEvent[] = [];
    const sim = await startIpmiSim({
      username: 'ops',
      password: 'pw-123456',
      stateDir: join(dir, 'observed'),
      onChassis: (event) => events.push(event),
    });
    try {
      expect(sim.state()).toMatchObject({ power: 'off', bootDevice: 'none', boots: 0, lastBootDevice: null });
      await ipmitool(sim, 'chassis', 'bootdev', 'pxe', 'options=efiboot');
      await ipmitool(sim, 'power', 'on');
      const state = await sim.waitFor((s) => s.boots === 1);
      expect(state).toMatchObject({ power: 'on', lastBootDevice: 'pxe', lastBootEfi: true, bootDevice: 'none' });
      expect(events).toEqual(
        expect.arrayContaining([
          { type: 'bootFlags', valid: true, persistent: false, efi: true, selector: 1 },
          { type: 'boot', value: 'pxe' },
          { type: 'power', on: true },
        ]),
      );
      const { stdout } = await ipmitool(sim, 'power', 'status');
      expect(stdout).toBe('Chassis Power is on\n');
    } finally {
      await sim.stop();
    }
  });

  it('runs several servers side by side on distinct loopback ports, each with its own chassis', async () => {
    const sims = await Promise.all(
      [1, 2, 3].map((n) =>
        startIpmiSim({ username: 'admin', password: `pw-${n}xyz`, stateDir: join(dir, `rack-${n}`) }),
      ),
    );
    try {
      expect(new Set(sims.map((s) => s.port)).size).toBe(3);
      await ipmitool(sims[1] as IpmiSim, 'power', 'on');
      expect(sims.map((s) => s.state().power)).toEqual(['off', 'on', 'off']);
    } finally {
      await Promise.all(sims.map((s) => s.stop()));
    }
  });

  it('keeps the chassis state across a restart on the same state directory', async () => {
    const stateDir = join(dir, 'restart');
    const first = await startIpmiSim({ username: 'admin', password: 'pw-restart', stateDir });
    await ipmitool(first, 'power', 'on');
    await first.stop();
    const second = await startIpmiSim({ username: 'admin', password: 'pw-restart', stateDir });
    try {
      expect(second.state().power).toBe('on');
    } finally {
      await second.stop();
    }
  });

  it('refuses a port another simulator holds, and stops without leaving a process', async () => {
    const holder = await startIpmiSim({ username: 'admin', password: 'pw-holder', stateDir: join(dir, 'holder') });
    try {
      await expect(
        startIpmiSim({
          username: 'admin',
          password: 'pw-intruder',
          port: holder.port,
          stateDir: join(dir, 'intruder'),
        }),
      ).rejects.toThrow(/port taken|exited/);
    } finally {
      await holder.stop();
    }
    expect(alive(holder.pid)).toBe(false);
    await holder.stop(); // idempotent
  });
});
