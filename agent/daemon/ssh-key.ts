/**
 * The agent's SSH identity: an ed25519 key generated on first start into the data dir, whose
 * public half the utility image is told to trust (kernel argument `rackpilot.ssh_key`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import ssh2 from 'ssh2';
import { generateSshKeyPair } from '../../shared/ssh-key-pair.js';

/** The private key (OpenSSH) and its `authorized_keys` line. */
export interface AgentSshKey {
  privateKey: string;
  publicKey: string;
}

/** Returns the `authorized_keys` line of a private key. Throws when the key cannot be parsed (or is encrypted). */
export function publicKeyOf(privateKey: string): string {
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new Error(`Agent SSH key unusable: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) throw new Error('Agent SSH key file holds no key');
  return `${key.type} ${key.getPublicSSH().toString('base64')} rackpilot-agent`;
}

/** Loads the key at `path`, generating (0600) and saving it with its `.pub` when missing. */
export async function ensureSshKey(path: string): Promise<AgentSshKey & { generated: boolean }> {
  try {
    const privateKey = await readFile(path, 'utf8');
    return { privateKey, publicKey: publicKeyOf(privateKey), generated: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pair = generateSshKeyPair('rackpilot-agent');
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, pair.private, { mode: 0o600, flag: 'wx' });
  await writeFile(`${path}.pub`, `${pair.public}\n`, { mode: 0o644 });
  return { privateKey: pair.private, publicKey: publicKeyOf(pair.private), generated: true };
}
