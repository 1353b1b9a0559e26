import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chassisControl,
  chassisStatus,
  deviceId,
  getBootFlags,
  setBootDevice,
} from '../../../agent/bmc/rmcp/rmcp-commands.js';
import { RmcpError, RmcpSession, type RmcpSessionOptions } from '../../../agent/bmc/rmcp/rmcp-session.js';
import { type IpmiSim, startIpmiSim } from '../../../lab/bmc/ipmi-sim.js';
import { type BmcRelay, startBmcRelay } from '../../../lab/machine/bmc-relay.js';

/**
 * The native RMCP+ client against the real ipmi_sim, cross-checked with the real ipmitool: what our
 * session does is what ipmitool sees, and on a network losing 30 % of packets each way our
 * session still gets through where ipmitool mostly does not.
 */

const run = promisify(execFile);
let dir: string;
let sim: IpmiSim;
let lossy: BmcRelay;

/** Runs the real ipmitool (password through the environment, never argv) against `host:port`. */
function ipmitool(host: string, port: number, ...command: string[]) {
  const args = ['-I', 'lanplus', '-C', '3', '-H', host, '-p', String(port), '-U', sim.username, '-E', ...command];
  return run('ipmitool', args, { env: { PATH: process.env.PATH, IPMI_PASSWORD: sim.password }, timeout: 90_000 });
}

const options = (overrides: Partial<RmcpSessionOptions> = {}): RmcpSessionOptions => ({
  host: sim.host,
  port: sim.port,
  username: sim.username,
  password: sim.password,
  cipherSuite: 3,
  ...overrides,
});

async function withSession<T>(overrides: Partial<RmcpSessionOptions>, use: (s: RmcpSession) => Promise<T>): Promise<T> {
  const session = await RmcpSession.open(options(overrides));
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}

async function openError(overrides: Partial<RmcpSessionOptions>): Promise<RmcpError> {
  const error = await RmcpSession.open(options(overrides)).then(
    async (session) => {
      await session.close();
      throw new Error('session opened');
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(RmcpError);
  return error as RmcpError;
}

/** Runs `tasks` with at most `width` in flight. */
async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackpilot-rmcp-'));
  sim = await startIpmiSim({ username: 'admin', password: 'lab-Pa55word', stateDir: join(dir, 'bmc') });
  lossy = await startBmcRelay({ address: '127.20.9.1', port: 0, targetPort: sim.port, dropRate: () => 0.3 });
});

afterAll(async () => {
  await lossy?.close();
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('RmcpSession against ipmi_sim', () => {
  it('powers the chassis on and off, as ipmitool then reports it', async () => {
    await withSession({}, async (session) => {
      await chassisControl(session, 'on');
      await sim.waitFor((state) => state.power === 'on');
      expect((await chassisStatus(session)).powerOn).toBe(true);
    });
    expect((await ipmitool(sim.host, sim.port, 'chassis', 'power', 'status')).stdout).toMatch(/Chassis Power is on/);

    await withSession({}, async (session) => {
      await chassisControl(session, 'off');
      await sim.waitFor((state) => state.power === 'off');
      expect((await chassisStatus(session)).powerOn).toBe(false);
    });
    expect((await ipmitool(sim.host, sim.port, 'chassis', 'power', 'status')).stdout).toMatch(/Chassis Power is off/);
  });

  it('sees a power change ipmitool made', async () => {
    await ipmitool(sim.host, sim.port, 'chassis', 'power', 'on');
    await sim.waitFor((state) => state.power === 'on');
    expect(await withSession({}, chassisStatus)).toMatchObject({ powerOn: true });
    await ipmitool(sim.host, sim.port, 'chassis', 'power', 'off');
    await sim.waitFor((state) => state.power === 'off');
  });

  it('sets the boot device, which ipmitool reads back from boot parameter 5', async () => {
    await withSession({}, async (session) => {
      await setBootDevice(session, 'pxe', { once: true, efi: false });
      expect(await getBootFlags(session)).toMatchObject({ device: 'pxe' });
    });
    expect((await ipmitool(sim.host, sim.port, 'chassis', 'bootparam', 'get', '5')).stdout).toMatch(
      /Boot Device Selector : Force PXE/,
    );
    expect(sim.state().bootDevice).toBe('pxe');

    await withSession({}, (session) => setBootDevice(session, 'bios', { once: false, efi: true }));
    expect((await ipmitool(sim.host, sim.port, 'chassis', 'bootparam', 'get', '5')).stdout).toMatch(
      /Boot Device Selector : Force Boot into BIOS Setup/,
    );
    expect(sim.state()).toMatchObject({ bootDevice: 'bios', bootOnce: false, efi: true });
  });

  it('reads the device id of an IPMI 2.0 BMC', async () => {
    expect(await withSession({}, deviceId)).toMatchObject({ ipmiVersion: '2.0' });
  });

  it("fails with kind 'auth', quickly and without the password, on a wrong password", async () => {
    const started = Date.now();
    const error = await openError({ password: 'not-the-Pa55word' });
    expect(error.kind).toBe('auth');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.message).not.toContain('not-the-Pa55word');
    expect(error.message).not.toContain(sim.password);
  });

  it("fails with kind 'auth' for a user the BMC does not know", async () => {
    expect((await openError({ username: 'nobody' })).kind).toBe('auth');
  });

  it("fails with kind 'protocol' at once for cipher suite 17, which ipmi_sim refuses", async () => {
    const started = Date.now();
    expect((await openError({ cipherSuite: 17 })).kind).toBe('protocol');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("fails with kind 'unreachable' within the retry bound when nothing listens", async () => {
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    const { port } = probe.address();
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const started = Date.now();
    const retry = { initialTimeoutMs: 50, maxTimeoutMs: 200, attempts: 4 }; // waits 50 + 100 + 200 + 200 ms
    expect((await openError({ port, retry })).kind).toBe('unreachable');
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('RmcpSession on a management network losing 30 % of packets each way', () => {
  it('opens, reads chassis status and closes in at least 19 of 20 sessions (ipmitool shown alongside)', async () => {
    const ours = await pool(20, 4, async () => {
      const started = Date.now();
      try {
        await withSession({ host: lossy.address, port: lossy.port }, chassisStatus);
        return { ok: true, ms: Date.now() - started };
      } catch (err) {
        return { ok: false, ms: Date.now() - started, error: (err as Error).message };
      }
    });
    const theirs = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const started = Date.now();
        try {
          await ipmitool(lossy.address, lossy.port, 'chassis', 'power', 'status');
          return { ok: true, ms: Date.now() - started };
        } catch {
          return { ok: false, ms: Date.now() - started };
        }
      }),
    );
    const mean = (xs: { ms: number }[]): number => Math.round(xs.reduce((sum, x) => sum + x.ms, 0) / xs.length);
    const succeeded = ours.filter((r) => r.ok).length;
    console.log(
      `30 % loss: RmcpSession ${succeeded}/20 sessions, mean ${mean(ours)} ms per session; ` +
        `ipmitool ${theirs.filter((r) => r.ok).length}/10 runs, mean ${mean(theirs)} ms per run`,
    );
    for (const failure of ours.filter((r) => !r.ok)) console.log(`RmcpSession failure: ${failure.error}`);
    expect(succeeded).toBeGreaterThanOrEqual(19);
  });
});
