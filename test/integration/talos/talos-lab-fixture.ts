import { createServer } from 'node:net';
import { startTalosNode, type TalosNode, type TalosNodeFaults } from '../../../lab/talos-node/talos-node.js';
import {
  buildTestMachineConfig,
  generateTestSecrets,
  issueTalosIdentity,
  type TestClusterSecrets,
  type TestTalosIdentity,
} from '../../../lab/talos-node/test-pki.js';

/** Returns a port that is free on `ip` right now (bind to 0, read, close). */
export function freePort(ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, ip, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A simulated control plane (or worker) node with the secrets and an admin identity for it. */
export interface LabTalosNode {
  node: TalosNode;
  secrets: TestClusterSecrets;
  admin: TestTalosIdentity;
  machineConfigYaml: string;
}

/** Starts a simulated Talos node on `ip` with fresh secrets; the Kubernetes endpoint is `https://ip:<free port>`. */
export async function startLabTalosNode(
  ip: string,
  options: {
    type?: 'controlplane' | 'worker';
    faults?: TalosNodeFaults;
    apiPort?: number;
    secrets?: TestClusterSecrets;
    withoutEtcdCa?: boolean;
  } = {},
): Promise<LabTalosNode> {
  const secrets = options.secrets ?? (await generateTestSecrets('rackpilot-it'));
  const kubePort = await freePort(ip);
  const machineConfigYaml = buildTestMachineConfig(secrets, {
    type: options.type ?? 'controlplane',
    endpoint: `https://${ip}:${kubePort}`,
    withoutEtcdCa: options.withoutEtcdCa,
  });
  const node = await startTalosNode({
    ip,
    machineConfigYaml,
    apiPort: options.apiPort ?? 0,
    faults: options.faults,
    osCaKeyPem: options.type === 'worker' ? secrets.osCa.keyPem : undefined,
  });
  return { node, secrets, admin: await issueTalosIdentity(secrets.osCa), machineConfigYaml };
}
