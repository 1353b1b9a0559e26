import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBmcDriver, probeRedfish } from '../../../agent/bmc/create-bmc-driver.js';
import { type IpmiSim, startIpmiSim } from '../../../lab/bmc/ipmi-sim.js';
import type { BmcProtocol } from '../../../shared/bmc-endpoint.js';
import { createLogger } from '../../../shared/logger.js';
import { startQuirkServer, type QuirkServer } from './redfish-quirk-server.js';

/**
 * `driver: detect`: the agent finds what a BMC speaks (Redfish's service root, else IPMI) and
 * records it only once the credentials worked. Real ipmi_sim and a real HTTPS Redfish service.
 */

const logger = createLogger('agent', { level: 'silent' });
const FAST = {
  ipmitool: {
    requestTimeoutSeconds: 1,
    requestRetries: 0,
    retry: { totalMs: 1_000, initialDelayMs: 200, maxDelayMs: 400, multiplier: 2 },
  },
  redfish: { retry: { totalMs: 1_000, initialDelayMs: 100, maxDelayMs: 200, multiplier: 2 } },
  detectTimeoutMs: 1_000,
};

let dir: string;
let sim: IpmiSim;
let redfish: QuirkServer;
/** A loopback port nothing listens on. */
let closedPort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackpilot-detect-'));
  sim = await startIpmiSim({ username: 'admin', password: 'lab-Pa55word', stateDir: join(dir, 'bmc') });
  redfish = await startQuirkServer({ username: 'root', password: 'calvin' });
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  await sim?.stop();
  await redfish?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('BMC protocol detection', () => {
  it('finds a Redfish service root, and nothing where no Redfish service answers', async () => {
    expect(await probeRedfish('127.0.0.1', redfish.port, 1_000)).toBe(true);
    expect(await probeRedfish('127.0.0.1', closedPort, 1_000)).toBe(false);
  });

  it('uses Redfish when the service root answers, and records it once the credentials worked', async () => {
    const reported: BmcProtocol[] = [];
    const driver = await createBmcDriver(
      {
        driver: 'detect',
        address: '127.0.0.1',
        port: 623,
        username: 'root',
        password: 'calvin',
        cipherSuite: 17,
        redfish: { tls: { fingerprintSha256: redfish.fingerprint } },
      },
      { ...FAST, logger, detectRedfishPort: redfish.port, reportProtocol: async (p) => void reported.push(p) },
    );
    expect(driver.protocol).toBe('redfish');
    expect(reported).toEqual(['redfish']);
    expect(await driver.powerState()).toBe('off');
    await driver.close();
  });

  it('falls back to IPMI when no Redfish service answers', async () => {
    const reported: BmcProtocol[] = [];
    const driver = await createBmcDriver(
      {
        driver: 'detect',
        address: sim.host,
        port: sim.port,
        username: sim.username,
        password: sim.password,
        cipherSuite: 3,
      },
      { ...FAST, logger, detectRedfishPort: closedPort, reportProtocol: async (p) => void reported.push(p) },
    );
    expect(driver.protocol).toBe('ipmi');
    expect(reported).toEqual(['ipmi']);
    await driver.close();
  });

  it('speaks IPMI through the native RMCP+ client when the agent is configured for it', async () => {
    const reported: BmcProtocol[] = [];
    const driver = await createBmcDriver(
      {
        driver: 'detect',
        address: sim.host,
        port: sim.port,
        username: sim.username,
        password: sim.password,
        cipherSuite: 3,
      },
      {
        ...FAST,
        ipmiClient: 'native',
        logger,
        detectRedfishPort: closedPort,
        reportProtocol: async (p) => void reported.push(p),
      },
    );
    expect(reported).toEqual(['ipmi']);
    // No ipmitool to be found: the answer can only come from the native client.
    const path = process.env.PATH;
    process.env.PATH = dir;
    try {
      expect(await driver.powerState()).toBe(sim.state().power);
    } finally {
      process.env.PATH = path;
      await driver.close();
    }
  });

  it('records nothing when the credentials fail, and says why', async () => {
    const reported: BmcProtocol[] = [];
    await expect(
      createBmcDriver(
        {
          driver: 'detect',
          address: '127.0.0.1',
          port: 623,
          username: 'root',
          password: 'not-calvin',
          cipherSuite: 17,
          redfish: { tls: { caPem: redfish.caPem } },
        },
        { ...FAST, logger, detectRedfishPort: redfish.port, reportProtocol: async (p) => void reported.push(p) },
      ),
    ).rejects.toMatchObject({ type: 'BmcAuthFailed' });
    expect(reported).toEqual([]);
  });

  it('an enrolled protocol is used as given, without probing', async () => {
    const before = redfish.log.length;
    const driver = await createBmcDriver(
      {
        driver: 'ipmi',
        address: sim.host,
        port: sim.port,
        username: sim.username,
        password: sim.password,
        cipherSuite: 3,
      },
      { ...FAST, logger, detectRedfishPort: redfish.port },
    );
    expect(driver.protocol).toBe('ipmi');
    expect(redfish.log.length).toBe(before);
    await driver.close();
  });
});
