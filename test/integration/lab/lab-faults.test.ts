import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BmcAuthFailedError, BmcUnreachableError } from '../../../agent/bmc/bmc-errors.js';
import { IpmitoolBmcDriver } from '../../../agent/bmc/ipmitool-driver.js';
import { WipeVerificationError } from '../../../agent/ssh/errors.js';
import { Ssh2Runner } from '../../../agent/ssh/ssh2-runner.js';
import { wipeDisks } from '../../../agent/ssh/wipe.js';
import { readTalosInstall, writeTalosInstall } from '../../../lab/machine/talos-install.js';
import { ipmitool, startLabHarness, type LabHarness } from './lab-harness.js';

let h: LabHarness;
beforeAll(async () => {
  h = await startLabHarness({
    machines: 3,
    faults: {
      'lab-01': { wrongPassword: true },
      'lab-02': { bmcDropRate: 1 },
      'lab-03': { failWipeDisks: ['sda'] },
    },
  });
});
afterAll(async () => {
  await h?.close();
});

/** The agent's production driver, with retries cut short so a dead BMC fails fast. */
const driver = (bmc: { address: string; port: number; username: string; password: string }) =>
  new IpmitoolBmcDriver(
    { host: bmc.address, port: bmc.port, username: bmc.username, password: bmc.password, cipherSuite: 3 },
    {
      requestTimeoutSeconds: 1,
      requestRetries: 0,
      commandTimeoutMs: 4_000,
      retry: { totalMs: 0, initialDelayMs: 10, maxDelayMs: 10, multiplier: 1 },
    },
  );

describe('lab faults', () => {
  it('hands out a wrong BMC password on request: the agent driver gets BmcAuthFailed, the real one works', async () => {
    const enrol = h.lab.servers[0]!.bmc;
    const real = h.lab.server('lab-01').bmc;
    expect(enrol.password).not.toBe(real.password);
    await expect(driver(enrol).powerState()).rejects.toBeInstanceOf(BmcAuthFailedError);
    expect(await driver(real).powerState()).toBe('off');
  });

  it('a BMC that drops every packet is unreachable until the fault is lifted', async () => {
    const bmc = h.lab.servers[1]!.bmc;
    await expect(driver(bmc).powerState()).rejects.toBeInstanceOf(BmcUnreachableError);
    h.lab.server('lab-02').setFaults({ bmcDropRate: 0 });
    expect(await driver(bmc).powerState()).toBe('off');
  });

  it('keeps disk content across boots, and a disk that fails to wipe is caught by the agent’s verification', async () => {
    const info = h.lab.servers[2]!;
    const server = h.lab.server(info.name);
    for (const disk of ['nvme0n1', 'sda'])
      await writeTalosInstall(server.diskFile(disk), 64 * 1024 * 1024, 'old: os\n');
    h.boot.plans.register(info.macs[0]!, { kind: 'utility', jobId: 'job-wipe', assetId: 'asset-wipe' });
    await ipmitool(info.bmc, ['chassis', 'bootdev', 'pxe']);
    await ipmitool(info.bmc, ['chassis', 'power', 'on']);
    await server.waitForPhase('utility', 20_000);
    const [host, port] = (server.sshAddress ?? '').split(':');
    const runner = new Ssh2Runner({
      host: host!,
      port: Number(port),
      username: 'root',
      privateKey: h.boot.agentKey.privateKey,
    });
    try {
      const targets = info.disks
        .filter((d) => d.name !== 'sdb')
        .map((d) => ({ path: `/dev/${d.name}`, serial: d.serial }));
      const failure = await wipeDisks({ runner, targets, method: 'quick' }).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WipeVerificationError);
      expect((failure as WipeVerificationError).reports.map((r) => [r.path, r.verification.passed])).toEqual([
        ['/dev/nvme0n1', true],
        ['/dev/sda', false],
      ]);
    } finally {
      await runner.close();
    }
    expect(await readTalosInstall(server.diskFile('nvme0n1'))).toBeUndefined();
    expect(await readTalosInstall(server.diskFile('sda'))).toBe('old: os\n');
    await ipmitool(info.bmc, ['chassis', 'power', 'off']);
    await server.waitForPhase('off', 10_000);
  });
});
