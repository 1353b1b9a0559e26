/**
 * `rackpilot lab up --machines 5 [--fast] [--json] [--boot-server URL] [--fault lab-02:never-boots]
 * [--redfish lab-02,lab-03 | --redfish all]`: starts a lab and prints what to enrol (BMC protocol,
 * addresses and credentials, the Redfish certificates' fingerprints) and the subnet, gateway
 * and free IPs for clusters; runs until Ctrl-C. Without `--boot-server`, it also starts the agent's
 * boot services on loopback and gives every machine a utility-OS boot plan, so a machine powered
 * on with boot device PXE boots the utility OS and its hello is printed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../shared/logger.js';
import { startLab, type Lab } from './lab.js';
import { checkVmSupport } from './vm/vm-support.js';
import { startVmLab } from './vm/vm-lab-host.js';
import { startLabBootServer, type LabBootServer } from './machine/lab-boot-server.js';
import { FAULT_SYNTAX, parseFaults } from './machine/fault-options.js';

const USAGE = `usage: lab up [--machines N] [--fast] [--json] [--boot-server URL] [--fault ${FAULT_SYNTAX}]...
              [--redfish all|NAME,...]   (those machines' BMCs speak Redfish over HTTPS, the rest IPMI)
       lab up --vm [--machines N] [--json]   (QEMU machines in a lab network namespace; root)`;

function summary(lab: Lab, boot: LabBootServer | undefined, bootServerUrl: string): Record<string, unknown> {
  return {
    bootServerUrl,
    agentSshKey: boot?.agentKey.privateKeyFile,
    servers: lab.servers,
    network: lab.network,
    /** This process and every process it started, for whoever checks nothing is left behind. */
    pids: [process.pid, ...lab.pids()],
  };
}

function printText(info: ReturnType<typeof summary>, lab: Lab): void {
  const lines = [`Rackpilot lab: ${lab.servers.length} servers (boot server ${String(info.bootServerUrl)})`, ''];
  lines.push('BMCs to enrol (IPMI: lanplus, cipher suite 3; Redfish: pin the certificate fingerprint):');
  for (const s of lab.servers) {
    const how = s.bmc.protocol === 'ipmi' ? 'ipmi   ' : `redfish fingerprint ${s.bmc.fingerprintSha256}`;
    lines.push(
      `  ${s.name}  ${how}  ${s.bmc.address}:${s.bmc.port}  user ${s.bmc.username}  password ${s.bmc.password}  mac ${s.macs[0] ?? ''}`,
    );
  }
  lines.push('', `Cluster network: subnet ${lab.network.subnet}, gateway ${lab.network.gateway}`);
  lines.push(`Free IPs: ${lab.network.freeIps.join(' ')}`);
  if (info.agentSshKey) lines.push(`Agent SSH key (utility OS): ${String(info.agentSshKey)}`);
  lines.push('', 'Ctrl-C stops the lab.');
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function up(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      machines: { type: 'string', default: '5' },
      fast: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'boot-server': { type: 'string' },
      fault: { type: 'string', multiple: true, default: [] },
      vm: { type: 'boolean', default: false },
      redfish: { type: 'string' },
    },
  });
  if (values.vm)
    return upVm(
      values.machines === '5' && !argv.some((a) => a.startsWith('--machines')) ? 2 : Number(values.machines),
      values.json,
    );
  const machines = Number(values.machines);
  const faults = parseFaults(values.fault);
  const delays = values.fast ? { post: 0, boot: 0, install: 0 } : { post: 2_000, boot: 3_000, install: 3_000 };
  const dir = await mkdtemp(join(tmpdir(), 'rackpilot-lab-'));
  const logger = createLogger('lab', { level: 'warn', destination: process.stderr });
  const emit = (record: Record<string, unknown>, text: string): void => {
    process.stdout.write(values.json ? `${JSON.stringify(record)}\n` : `${text}\n`);
  };

  let boot: LabBootServer | undefined;
  let lab: Lab | undefined;
  const shutdown = async (): Promise<void> => {
    await lab?.stop();
    await boot?.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (values['boot-server'] === undefined) {
      boot = await startLabBootServer({
        dir: join(dir, 'agent'),
        logger,
        onBootEvent: (e) => emit({ event: e }, `event ${e.type} ${e.assetId} ${e.address ?? e.detail ?? ''}`),
      });
    }
    const bootServerUrl = values['boot-server'] ?? boot?.url ?? '';
    lab = await startLab({
      machines,
      bootServerUrl,
      dhcp: boot?.dhcp,
      tftp: boot?.tftp,
      delays,
      faults,
      redfish: values.redfish === 'all' ? 'all' : values.redfish?.split(',').filter((m) => m !== ''),
      dir: join(dir, 'machines'),
    });
    for (const server of lab.servers) {
      boot?.plans.register(server.macs[0] ?? '', { kind: 'utility', jobId: 'lab-up', assetId: server.name });
    }
    const info = summary(lab, boot, bootServerUrl);
    if (values.json) emit({ lab: info }, '');
    else printText(info, lab);
  } catch (err) {
    await shutdown();
    throw err;
  }
  stopOnSignal(shutdown);
}

/**
 * `lab up --vm`: the VM tier's machines alone (lab/vm/README.md), powered off, in their network
 * namespace; their BMCs answer only inside it, so the printed commands run there. An agent in the
 * namespace boots them (`npm start -- --vm` starts one).
 */
async function upVm(machines: number, json: boolean): Promise<void> {
  const support = await checkVmSupport();
  if (!support.ok) throw new Error(`the VM lab cannot run here: ${support.reason}`);
  const dir = await mkdtemp(join(tmpdir(), 'rackpilot-vm-lab-'));
  const lab = await startVmLab({
    machines,
    dir,
    accel: support.accel,
    ovmf: support.ovmf,
    onEvent: (event) =>
      process.stdout.write(json ? `${JSON.stringify({ event })}\n` : `event ${event.machine} ${event.type}\n`),
  });
  const info = {
    backend: 'qemu',
    accel: support.accel,
    accelReason: support.accelReason,
    netns: lab.labNetwork.netns,
    agentIp: lab.labNetwork.agentIp,
    servers: lab.servers,
    consoles: Object.fromEntries(lab.servers.map((s) => [s.name, lab.consoleLog(s.name)])),
    pids: [process.pid, ...lab.pids()],
  };
  if (json) process.stdout.write(`${JSON.stringify({ lab: info })}\n`);
  else {
    const lines = [`Rackpilot VM lab: ${machines} QEMU machines (${support.accel}: ${support.accelReason})`, ''];
    lines.push(`Namespace ${info.netns}; the agent belongs on ${info.agentIp} (bridge ${lab.labNetwork.bridge}).`);
    for (const s of lab.servers) {
      lines.push(
        `  ${s.name}  BMC ${s.bmc.address}:${s.bmc.port} (${s.bmc.username}/${s.bmc.password})  mac ${s.macs[0] ?? ''}  console ${info.consoles[s.name]}`,
      );
    }
    const first = lab.servers[0];
    if (first)
      lines.push(
        '',
        `Try: ip netns exec ${info.netns} ipmitool -I lanplus -C 3 -H ${first.bmc.address} -U ${first.bmc.username} -P ${first.bmc.password} chassis power status`,
      );
    lines.push('', 'Ctrl-C stops the machines and deletes the namespaces.');
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  stopOnSignal(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });
}

/** Runs `shutdown` once on Ctrl-C or SIGTERM, then exits (1 when it failed). */
function stopOnSignal(shutdown: () => Promise<void>): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`lab: stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'up') {
  up(rest).catch((err: unknown) => {
    process.stderr.write(`lab: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
