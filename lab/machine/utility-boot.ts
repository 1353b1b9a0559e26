/**
 * The utility OS as a virtual server boots it: read the agent's SSH key and URL from the kernel
 * command line (`rackpilot.ssh_key=`, `rackpilot.agent=`), start the SSH server over the
 * machine's own disk files, then phone home with `POST <agent>/hello`, as Ironic's IPA does.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { startUtilityOsServer, type UtilityOsServer } from '../utility-os/utility-os-server.js';
import type { LabMachineSpec } from '../utility-os/types.js';

/** What the utility image reads from its kernel command line. */
export interface UtilityKernelSettings {
  /** The agent's boot server base URL (phone-home target). */
  agentUrl: string;
  /** The one `authorized_keys` line the image trusts. */
  sshAuthorizedKey: string;
}

/** Reads the utility image's settings from kernel args. Thrown when one is missing or not loopback. */
export function readUtilityKernelArgs(kernelArgs: readonly string[]): UtilityKernelSettings {
  const arg = (key: string): string => {
    const found = kernelArgs.find((a) => a.startsWith(`${key}=`));
    if (found === undefined) throw new Error(`utility kernel args lack ${key}=`);
    return found.slice(key.length + 1);
  };
  const agentUrl = arg('rackpilot.agent');
  assertLoopbackUrl(agentUrl);
  return { agentUrl, sshAuthorizedKey: Buffer.from(arg('rackpilot.ssh_key'), 'base64url').toString('utf8') };
}

/** Thrown when `url` points anywhere but loopback: the lab never connects elsewhere. */
export function assertLoopbackUrl(url: string): void {
  const host = new URL(url).hostname;
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) && host !== 'localhost' && host !== '[::1]')
    throw new Error(`lab: refusing to connect to non-loopback URL ${url}`);
}

/**
 * Starts the utility OS's SSH server over the disk files in `diskDir`, keeping their content.
 * `startUtilityOsServer` creates each `<name>.img` afresh (empty), so the machine's disks are moved
 * aside while it starts and moved back before anyone is told the server is there: a real
 * machine's disks keep their data across reboots, and a wipe must find what was installed.
 */
export async function startUtilityOs(
  spec: LabMachineSpec,
  diskDir: string,
  authorizedKey: string,
): Promise<UtilityOsServer> {
  const kept = spec.disks.map((d) => ({
    file: join(diskDir, `${d.name}.img`),
    aside: join(diskDir, `${d.name}.kept`),
  }));
  for (const { file, aside } of kept) await rename(file, aside);
  try {
    return await startUtilityOsServer({ ...spec, dir: diskDir, authorizedKey });
  } finally {
    for (const { file, aside } of kept) await rename(aside, file);
  }
}

/** The body of `POST /hello`. */
export interface UtilityHello {
  mac: string;
  bmcAddress?: string;
  sshAddress: string;
}

/**
 * Announces the utility OS to the agent; retries a few times (the agent may be restarting).
 * Thrown when the agent refuses it (4xx) or never answers.
 */
export async function phoneHome(agentUrl: string, hello: UtilityHello, signal?: AbortSignal): Promise<void> {
  const url = `${agentUrl.replace(/\/+$/, '')}/hello`;
  assertLoopbackUrl(url);
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    signal?.throwIfAborted();
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(hello),
        signal,
      });
      if (res.status === 202) return;
      const text = await res.text();
      if (res.status < 500) throw Object.assign(new Error(`hello refused: ${res.status} ${text}`), { final: true });
      lastError = new Error(`hello answered ${res.status}`);
    } catch (err) {
      if ((err as { final?: boolean }).final || signal?.aborted) throw err;
      lastError = err as Error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
  }
  throw lastError ?? new Error('hello failed');
}
