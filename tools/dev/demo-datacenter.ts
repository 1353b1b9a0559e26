import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { talosArtifactNames } from '../../agent/boot/ipxe-script.js';
import type { Container } from '../../api/container.js';
import { bmcPasswordContext } from '../../api/services/agent-service.js';
import type { AssetDoc } from '../../db/asset-repository.js';
import { newId } from '../../db/ids.js';
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
 * Starts the site's agent as its own process (the production entry point, `agent/main.ts`) with
 * a credential for a new site, starts a lab of `machines` servers booting from that agent, and
 * enrols every lab BMC as an asset, which starts its discovery.
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
  const siteId = `site_${randomBytes(8).toString('hex')}`;
  const issued = await container.services.apiKeys.issue(options.orgId, {
    name: 'lab agent',
    role: 'agent',
    siteId,
    createdBy: null,
  });
  const agentDir = join(options.dir, 'agent');
  const artifactDir = join(agentDir, 'artifacts');
  await mkdir(artifactDir, { recursive: true, mode: 0o700 });
  await writeFile(
    join(agentDir, 'credential.json'),
    `${JSON.stringify({ agentId: issued.record.id, siteId, apiKey: issued.key })}\n`,
    { mode: 0o600 },
  );
  for (const name of [
    'rackpilot-utility-vmlinuz',
    'rackpilot-utility-initramfs',
    ...TALOS_VERSIONS.flatMap((v) => Object.values(talosArtifactNames(v))),
  ]) {
    await writeFile(join(artifactDir, name), randomBytes(64 * 1024));
  }
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
  const client = await container.temporal();
  const assetIds: string[] = [];
  for (const server of lab.servers)
    assetIds.push(await enrol(container, client, { orgId: options.orgId, siteId, server }));
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

/** Enrols one lab server by its BMC and starts its discovery (what `POST /api/v1/assets` does). */
async function enrol(
  container: Container,
  client: Client,
  input: { orgId: string; siteId: string; server: Lab['servers'][number] },
): Promise<string> {
  const at = container.now();
  const id = newId('ast');
  const { bmc } = input.server;
  const asset: AssetDoc = {
    _id: id,
    orgId: input.orgId,
    siteId: input.siteId,
    hostname: input.server.name,
    state: 'enrolling',
    version: 1,
    bmc: {
      driver: 'ipmi',
      address: bmc.address,
      port: bmc.port,
      username: bmc.username,
      passwordSecret: container.secretBox.seal(bmc.password, bmcPasswordContext(id)),
      cipherSuite: bmc.cipherSuite,
    },
    labels: { lab: 'true' },
    macs: [],
    createdAt: at,
    updatedAt: at,
  };
  await container.repositories.assets.insert(asset);
  const workflowId = `discovery-${id}`;
  await container.repositories.workflows.recordStart({
    _id: workflowId,
    orgId: input.orgId,
    type: 'discovery',
    target: { assetId: id },
  });
  await client.workflow.start('discovery', {
    taskQueue: container.config.taskQueue,
    workflowId,
    args: [{ assetId: id }],
  });
  return id;
}
