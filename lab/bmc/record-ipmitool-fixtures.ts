import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startIpmiSim } from './ipmi-sim.js';
import { freeUdpPort } from './udp-probe.js';

/**
 * Re-records the `ipmi-sim-*` fixtures of `test/fixtures/ipmitool/` from a real ipmi_sim started by
 * this harness, with the real ipmitool, exactly as the driver runs it (`-v`, password by `-E`).
 * Run: `npx tsx lab/bmc/record-ipmitool-fixtures.ts [outDir]`. See the README there for the rest.
 */

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/ipmitool/', import.meta.url));

interface Recording {
  file: string;
  command: string[];
  /** Which stream the fixture keeps. */
  keep: 'stdout' | 'stderr';
  user?: string;
  password?: string;
  cipherSuite?: number;
  port?: number;
}

function ipmitool(port: number, r: Recording, password: string): Promise<{ stdout: string; stderr: string }> {
  const args = ['-I', 'lanplus', '-C', String(r.cipherSuite ?? 3), '-H', '127.0.0.1', '-p', String(r.port ?? port)];
  args.push('-U', r.user ?? 'admin', '-E', '-v', ...r.command);
  const env = { PATH: process.env.PATH, LC_ALL: 'C', IPMI_PASSWORD: r.password ?? password };
  return new Promise((resolve) => {
    execFile('ipmitool', args, { env }, (_err, stdout, stderr) => resolve({ stdout, stderr }));
  });
}

async function main(outDir: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rackpilot-record-'));
  const password = 'secret';
  const sim = await startIpmiSim({ username: 'admin', password, stateDir: join(dir, 'sim') });
  const closed = await freeUdpPort();
  const steps: Recording[] = [
    { file: 'ipmi-sim-power-status-off.txt', command: ['power', 'status'], keep: 'stdout' },
    { file: 'ipmi-sim-verbose-success.stderr.txt', command: ['power', 'status'], keep: 'stderr' },
    { file: 'ipmi-sim-bootparam-get-5-none.txt', command: ['chassis', 'bootparam', 'get', '5'], keep: 'stdout' },
    { file: 'ipmi-sim-power-on.txt', command: ['power', 'on'], keep: 'stdout' },
    { file: 'ipmi-sim-power-status-on.txt', command: ['power', 'status'], keep: 'stdout' },
    { file: 'ipmi-sim-chassis-status-on.txt', command: ['chassis', 'status'], keep: 'stdout' },
    { file: 'ipmi-sim-mc-info.txt', command: ['mc', 'info'], keep: 'stdout' },
    { file: 'ipmi-sim-bootdev-pxe.txt', command: ['chassis', 'bootdev', 'pxe', 'options=efiboot'], keep: 'stdout' },
    { file: 'ipmi-sim-bootparam-get-5-pxe.txt', command: ['chassis', 'bootparam', 'get', '5'], keep: 'stdout' },
    {
      file: 'ipmi-sim-bootdev-disk.txt',
      command: ['chassis', 'bootdev', 'disk', 'options=persistent,efiboot'],
      keep: 'stdout',
    },
    { file: 'ipmi-sim-bootparam-get-5-default.txt', command: ['chassis', 'bootparam', 'get', '5'], keep: 'stdout' },
    { file: 'ipmi-sim-power-cycle.txt', command: ['power', 'cycle'], keep: 'stdout' },
    { file: 'ipmi-sim-power-soft.txt', command: ['power', 'soft'], keep: 'stdout' },
    { file: 'ipmi-sim-power-off.txt', command: ['power', 'off'], keep: 'stdout' },
    { file: 'ipmi-sim-chassis-status-off.txt', command: ['chassis', 'status'], keep: 'stdout' },
    { file: 'ipmi-sim-wrong-password.stderr.txt', command: ['power', 'status'], keep: 'stderr', password: 'wrong' },
    { file: 'ipmi-sim-wrong-user.stderr.txt', command: ['power', 'status'], keep: 'stderr', user: 'nobody' },
    { file: 'ipmi-sim-cipher-17.stderr.txt', command: ['power', 'status'], keep: 'stderr', cipherSuite: 17 },
    {
      file: 'unreachable-closed-port.stderr.txt',
      command: ['-N', '1', '-R', '1', 'power', 'status'],
      keep: 'stderr',
      port: closed,
    },
  ];
  try {
    for (const step of steps) {
      const output = await ipmitool(sim.port, step, password);
      await writeFile(join(outDir, step.file), output[step.keep]);
      process.stdout.write(`recorded ${step.file}\n`);
    }
  } finally {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main(process.argv[2] ?? FIXTURES);
