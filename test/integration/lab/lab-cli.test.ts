import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import type { LabServerInfo } from '../../../lab/lab.js';
import { ipmitool } from './lab-harness.js';

interface Summary {
  bootServerUrl: string;
  servers: LabServerInfo[];
  network: { subnet: string; gateway: string; freeIps: string[] };
  pids: number[];
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('rackpilot lab up', () => {
  it('prints BMCs to enrol and the cluster network, boots a machine on request, and leaves no process behind on Ctrl-C', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'lab/cli.ts', 'up', '--machines', '2', '--fast', '--json'],
      {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = once(child, 'exit');
    const lines = createInterface({ input: child.stdout });
    const records: Record<string, unknown>[] = [];
    const summary = await new Promise<Summary>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('lab up printed no summary within 30 s')), 30_000);
      lines.on('line', (line) => {
        const record = JSON.parse(line) as Record<string, unknown>;
        records.push(record);
        if (record.lab) {
          clearTimeout(timer);
          resolve(record.lab as Summary);
        }
      });
      child.once('exit', (code) => reject(new Error(`lab up exited early with ${String(code)}`)));
    });
    try {
      expect(summary.servers.map((s) => [s.name, s.bmc.address, s.bmc.protocol])).toEqual([
        ['lab-01', '127.20.0.2', 'ipmi'],
        ['lab-02', '127.20.0.3', 'ipmi'],
      ]);
      expect(summary.network).toMatchObject({ subnet: '127.10.0.0/24', gateway: '127.10.0.1' });
      expect(summary.network.freeIps).toContain('127.10.0.10');
      expect(summary.pids).toHaveLength(3);
      expect(new URL(summary.bootServerUrl).hostname).toBe('127.0.0.1');

      const bmc = summary.servers[1]!.bmc;
      await ipmitool(bmc, ['chassis', 'bootdev', 'pxe']);
      await ipmitool(bmc, ['chassis', 'power', 'on']);
      const deadline = Date.now() + 15_000;
      while (!records.some((r) => (r.event as { type?: string } | undefined)?.type === 'utility-ready')) {
        if (Date.now() > deadline) throw new Error(`no utility-ready event; got ${JSON.stringify(records)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(records.find((r) => (r.event as { type?: string } | undefined)?.type === 'utility-ready')).toMatchObject({
        event: { assetId: 'lab-02', bmcAddress: '127.20.0.3', address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) },
      });
    } finally {
      child.kill('SIGINT');
      const [code] = await exited;
      expect(code).toBe(0);
    }
    expect(summary.pids.filter(alive)).toEqual([]);
    await expect(ipmitool(summary.servers[0]!.bmc, ['power', 'status'], { retries: 1 })).rejects.toThrow();
  });
});
