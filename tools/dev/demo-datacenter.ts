import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { talosArtifactNames } from '../../agent/boot/ipxe-script.js';
import type { Container } from '../../api/container.js';
import { startLab, type Lab, type LabBmcInfo, type LabOptions, type LabServerInfo } from '../../lab/lab.js';
import type { NewAsset } from '../../api/services/asset-service.js';
import type { Logger } from '../../shared/logger.js';
import { freePort } from '../devservices/free-port.js';
import { startProcess, type ManagedProcess } from '../devservices/managed-process.js';

/** Talos releases the demo agent can boot (stand-in images: the lab checks them, it does not run them). */
const TALOS_VERSIONS = ['v1.10.6'];

/** The site agent of a simulated datacenter: a real child process, restartable on the same boot port. */
export interface LabAgent {
  /** The running process (a new one after {@link LabAgent.restart}). */
  readonly process: ManagedProcess;
  /** The agent's boot HTTP server, which lab machines PXE-boot from. */
  readonly bootServerUrl: string;
  /** Kills the agent at once (SIGKILL, no drain), as a crash or power loss would. */
  kill(): Promise<void>;
  /** Starts the agent again with the same data dir (its saved credential) and boot port. */
  restart(): Promise<void>;
  /** Stops it gracefully (SIGTERM). */
  stop(): Promise<void>;
}

/**
 * Where a lab agent serves boot: on loopback for the simulated lab (HTTP only, the lab's machines
 * skip DHCP), or on a real provisioning network for the VM lab: inside its namespace, with every
 * service (proxyDHCP, TFTP with the iPXE binaries, HTTP) on `serverIp`, the real utility image.
 */
export interface LabAgentProvisioningNetwork {
  /** Wraps the agent's command so it runs in the provisioning namespace (`ip netns exec …`). */
  nsExec(argv: string[]): string[];
  /** The agent's address on the provisioning network. */
  serverIp: string;
  /** Built utility OS (`npm run setup`): served as the agent's utility image. */
  utilityImage: { kernel: string; initrd: string };
  /** iPXE binaries served over TFTP to firmware that is not iPXE yet (`undionly.kpxe`, `ipxe.efi`). */
  ipxeFiles: string[];
}

/**
 * Starts the production agent entry point (`agent/main.ts`) as its own process, enrolling with the
 * site's one-time token (a restart reuses the credential it saved). Stand-in boot images unless a
 * provisioning network brings the real utility image.
 */
export async function startLabAgent(options: {
  apiUrl: string;
  enrollmentToken: string;
  dir: string;
  provisioning?: LabAgentProvisioningNetwork;
}): Promise<LabAgent> {
  const agentDir = join(options.dir, 'agent');
  const artifactDir = join(agentDir, 'artifacts');
  const tftpRoot = join(agentDir, 'tftp');
  await mkdir(artifactDir, { recursive: true, mode: 0o700 });
  await mkdir(tftpRoot, { recursive: true });
  const net = options.provisioning;
  const standIns = TALOS_VERSIONS.flatMap((v) => Object.values(talosArtifactNames(v)));
  if (net) {
    await copyFile(net.utilityImage.kernel, join(artifactDir, 'rackpilot-utility-vmlinuz'));
    await copyFile(net.utilityImage.initrd, join(artifactDir, 'rackpilot-utility-initramfs'));
    for (const file of net.ipxeFiles) await copyFile(file, join(tftpRoot, basename(file)));
  } else {
    standIns.push('rackpilot-utility-vmlinuz', 'rackpilot-utility-initramfs');
  }
  for (const name of standIns) await writeFile(join(artifactDir, name), randomBytes(64 * 1024));
  const bootPort = net ? 8080 : await freePort();
  const bootEnv = net
    ? {
        RACKPILOT_AGENT_BOOT_SERVER_IP: net.serverIp,
        RACKPILOT_AGENT_BOOT_HTTP_HOST: '0.0.0.0',
        RACKPILOT_AGENT_BOOT_HTTP_PORT: String(bootPort),
        RACKPILOT_AGENT_TFTP_ENABLED: 'true',
        RACKPILOT_AGENT_TFTP_ROOT: tftpRoot,
        RACKPILOT_AGENT_PROXY_DHCP_ENABLED: 'true',
      }
    : {
        RACKPILOT_AGENT_BOOT_HTTP_HOST: '127.0.0.1',
        RACKPILOT_AGENT_BOOT_HTTP_PORT: String(bootPort),
        RACKPILOT_AGENT_TFTP_ENABLED: 'false',
        RACKPILOT_AGENT_PROXY_DHCP_ENABLED: 'false',
      };
  const argv = [
    process.execPath,
    '--import',
    'tsx',
    fileURLToPath(new URL('../../agent/main.ts', import.meta.url)),
  ];
  const [command, ...args] = net ? net.nsExec(argv) : argv;
  const spawnAgent = (): ManagedProcess =>
    startProcess('agent', command as string, args, {
      logFile: join(options.dir, 'agent.log'),
      env: {
        ...process.env,
        RACKPILOT_AGENT_API_URL: options.apiUrl,
        RACKPILOT_AGENT_ENROLLMENT_TOKEN: options.enrollmentToken,
        RACKPILOT_AGENT_CREDENTIAL_FILE: join(agentDir, 'credential.json'),
        RACKPILOT_AGENT_DATA_DIR: agentDir,
        RACKPILOT_AGENT_ARTIFACT_DIR: artifactDir,
        RACKPILOT_AGENT_NAME: 'lab-agent',
        RACKPILOT_AGENT_CLAIM_WAIT_SECONDS: '5',
        ...bootEnv,
      },
    });
  let current: ManagedProcess;
  let exited = false;
  const spawnTracked = (): void => {
    const started = spawnAgent();
    current = started;
    exited = false;
    void started.exited.then(() => {
      if (current === started) exited = true;
    });
  };
  spawnTracked();
  const kill = async (): Promise<void> => {
    // Only while our own child is alive, by its PID: a dead PID may already belong to someone else.
    if (!exited) process.kill(current.pid, 'SIGKILL');
    await current.exited;
    await current.stop(); // closes its log stream
  };
  return {
    get process() {
      return current;
    },
    bootServerUrl: `http://${net?.serverIp ?? '127.0.0.1'}:${bootPort}`,
    kill,
    async restart() {
      await kill();
      spawnTracked();
    },
    stop: () => current.stop(),
  };
}

/**
 * What an operator enrols for a lab BMC: IPMI with its cipher suite, or Redfish with its
 * self-signed certificate pinned — by its protocol, or as `detect` (the agent finds out) when asked.
 */
export function labBmcEnrolment(bmc: LabBmcInfo, driver: 'own' | 'detect' = 'own'): NewAsset['bmc'] {
  const { address, port, username, password } = bmc;
  if (bmc.protocol === 'ipmi') {
    return { driver: driver === 'detect' ? 'detect' : 'ipmi', address, port, username, password, cipherSuite: bmc.cipherSuite };
  }
  const redfish = { tls: { fingerprintSha256: bmc.fingerprintSha256 } };
  // Detect probes Redfish at 443 and keeps `port` for IPMI: a Redfish BMC elsewhere must be named.
  if (driver === 'detect' && port === 443) return { driver: 'detect', address, username, password, cipherSuite: 17, redfish };
  return { driver: 'redfish', address, port, username, password, cipherSuite: 17, redfish };
}

/** Enrols every lab BMC as an asset of `siteId` (which starts its discovery); returns the asset ids in lab order. */
export async function enrolLabServers(
  lab: Pick<Lab, 'servers'>,
  enrol: (body: NewAsset) => Promise<string>,
  siteId: string,
  /** Servers to enrol with driver `detect` instead of their own protocol, or to boot from virtual media. */
  choices: { detect?: (server: LabServerInfo) => boolean; virtualMedia?: (server: LabServerInfo) => boolean } = {},
): Promise<string[]> {
  const assetIds: string[] = [];
  for (const server of lab.servers) {
    assetIds.push(
      await enrol({
        siteId,
        bmc: labBmcEnrolment(server.bmc, choices.detect?.(server) ? 'detect' : 'own'),
        ...(choices.virtualMedia?.(server) ? { bootMethod: 'virtual-media' as const } : {}),
        hostname: server.name,
        labels: { lab: 'true' },
      }),
    );
  }
  return assetIds;
}

/** The simulated datacenter of `npm start`: one agent (a real child process) and a lab of servers. */
export interface DemoDatacenter {
  siteId: string;
  lab: Lab;
  /** The agent process (a new one after `labAgent.restart()`). */
  readonly agent: ManagedProcess;
  labAgent: LabAgent;
  assetIds: string[];
  stop(): Promise<void>;
}

/**
 * Creates a site, starts its agent as its own process (the production entry point,
 * `agent/main.ts`), which enrols itself with the site's one-time token, starts a lab of
 * `machines` servers booting from that agent, and enrols every lab BMC as an asset (which starts
 * its discovery) — the same service calls `POST /api/v1/sites` and `POST /api/v1/assets` make.
 */
export async function startDemoDatacenter(options: {
  container: Container;
  apiUrl: string;
  orgId: string;
  machines: number;
  dir: string;
  delays: { post: number; boot: number; install: number };
  faults?: LabOptions['faults'];
  log: Logger;
}): Promise<DemoDatacenter> {
  const { container, log } = options;
  const { site, enrollmentToken } = await container.services.sites.create(options.orgId, {
    name: `lab-${randomBytes(3).toString('hex')}`,
  });
  const siteId = site._id;
  const labAgent = await startLabAgent({ apiUrl: options.apiUrl, enrollmentToken, dir: options.dir });
  const lab = await startLab({
    machines: options.machines,
    bootServerUrl: labAgent.bootServerUrl,
    delays: options.delays,
    faults: options.faults,
    dir: join(options.dir, 'lab'),
  }).catch(async (err: unknown) => {
    await labAgent.stop();
    throw err;
  });
  const assetIds = await enrolLabServers(
    lab,
    async (body) => (await container.services.assets.enrol(options.orgId, body)).asset._id,
    siteId,
  );
  log.info(
    { siteId, agentPid: labAgent.process.pid, machines: lab.servers.length },
    'simulated datacenter started; discovery running',
  );
  return {
    siteId,
    lab,
    get agent() {
      return labAgent.process;
    },
    labAgent,
    assetIds,
    async stop() {
      await labAgent.stop();
      await lab.stop();
    },
  };
}
