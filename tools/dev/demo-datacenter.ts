import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { talosArtifactNames } from '../../agent/boot/ipxe-script.js';
import type { Container } from '../../api/container.js';
import { startLab, type Lab } from '../../lab/lab.js';
import type { Logger } from '../../shared/logger.js';
import { freePort } from '../devservices/free-port.js';
import { startProcess, type ManagedProcess } from '../devservices/managed-process.js';

/** Talos releases the demo agent can boot (stand-in images: the lab checks them, it does not run them). */
const TALOS_VERSIONS = ['v1.10.6'];

/** The simulated datacenter of `npm start`: one agent (a real child process) and a lab of servers. */
export interface DemoDatacenter {
  siteId: string;
  lab: Lab;
  agent: ManagedProcess;
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
  log: Logger;
}): Promise<DemoDatacenter> {
  const { container, log } = options;
  const { site, enrollmentToken } = await container.services.sites.create(options.orgId, {
    name: `lab-${randomBytes(3).toString('hex')}`,
  });
  const siteId = site._id;
  const agentDir = join(options.dir, 'agent');
  const artifactDir = join(agentDir, 'artifacts');
  await mkdir(artifactDir, { recursive: true, mode: 0o700 });
  const images = [
    'rackpilot-utility-vmlinuz',
    'rackpilot-utility-initramfs',
    ...TALOS_VERSIONS.flatMap((v) => Object.values(talosArtifactNames(v))),
  ];
  for (const name of images) await writeFile(join(artifactDir, name), randomBytes(64 * 1024));
  const bootPort = await freePort();
  const agent = startProcess(
    'agent',
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('../../agent/main.ts', import.meta.url))],
    {
      logFile: join(options.dir, 'agent.log'),
      env: {
        ...process.env,
        RACKPILOT_AGENT_API_URL: options.apiUrl,
        RACKPILOT_AGENT_ENROLLMENT_TOKEN: enrollmentToken,
        RACKPILOT_AGENT_CREDENTIAL_FILE: join(agentDir, 'credential.json'),
        RACKPILOT_AGENT_DATA_DIR: agentDir,
        RACKPILOT_AGENT_ARTIFACT_DIR: artifactDir,
        RACKPILOT_AGENT_NAME: 'lab-agent',
        RACKPILOT_AGENT_BOOT_HTTP_HOST: '127.0.0.1',
        RACKPILOT_AGENT_BOOT_HTTP_PORT: String(bootPort),
        RACKPILOT_AGENT_TFTP_ENABLED: 'false',
        RACKPILOT_AGENT_PROXY_DHCP_ENABLED: 'false',
        RACKPILOT_AGENT_CLAIM_WAIT_SECONDS: '5',
      },
    },
  );
  const lab = await startLab({
    machines: options.machines,
    bootServerUrl: `http://127.0.0.1:${bootPort}`,
    delays: options.delays,
    dir: join(options.dir, 'lab'),
  });
  const assetIds: string[] = [];
  for (const server of lab.servers) {
    const { bmc } = server;
    const { asset } = await container.services.assets.enrol(options.orgId, {
      siteId,
      bmc: {
        driver: 'ipmi',
        address: bmc.address,
        port: bmc.port,
        username: bmc.username,
        password: bmc.password,
        cipherSuite: bmc.cipherSuite,
      },
      hostname: server.name,
      labels: { lab: 'true' },
    });
    assetIds.push(asset._id);
  }
  log.info(
    { siteId, agentPid: agent.pid, machines: lab.servers.length },
    'simulated datacenter started; discovery running',
  );
  return {
    siteId,
    lab,
    agent,
    assetIds,
    async stop() {
      await agent.stop();
      await lab.stop();
    },
  };
}
