/**
 * The agent's own credential, kept in its data dir (mode 0600): the enrollment token is exchanged
 * once, and a restarted agent reuses what it saved instead of enrolling again.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { agentRegisterResponseSchema } from '../../shared/agent-protocol.js';
import { ConfigError } from '../../shared/errors.js';
import type { AgentRegistration } from '../api-client/agent-api-client.js';

/** Reads the saved credential; `undefined` when there is none. Throws `ConfigError` when the file is unreadable or malformed. */
export async function loadCredential(path: string): Promise<AgentRegistration | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = agentRegisterResponseSchema.safeParse(parsed);
  if (!result.success) {
    throw new ConfigError(`Agent credential file ${path} is not a saved credential`, [
      { variable: 'RACKPILOT_AGENT_CREDENTIAL_FILE', problem: 'malformed credential file' },
    ]);
  }
  return result.data;
}

/** Saves the credential atomically (temporary file, then rename), readable by the agent's user only. */
export async function saveCredential(path: string, credential: AgentRegistration): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(credential)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
