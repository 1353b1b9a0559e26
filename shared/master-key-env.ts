import { z } from 'zod';
import { ConfigError } from './errors.js';
import type { Logger } from './logger.js';
import { SecretBox, decodeMasterKey, deriveDevMasterKey } from './secret-box.js';

/** `RACKPILOT_MASTER_KEY`: base64 of 32 random bytes (`openssl rand -base64 32`). */
export const masterKeyEnv = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined || text.trim() === '') return undefined;
    try {
      return decodeMasterKey(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `must be base64 of 32 random bytes (${(err as Error).message})` });
      return z.NEVER;
    }
  });

/** `RACKPILOT_MASTER_KEYS_OLD`: comma-separated earlier keys, kept to open what they sealed. */
export const oldMasterKeysEnv = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const keys: Buffer[] = [];
    for (const [i, part] of (text ?? '')
      .split(',')
      .filter((p) => p.trim() !== '')
      .entries()) {
      try {
        keys.push(decodeMasterKey(part));
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          message: `entry ${i + 1}: must be base64 of 32 bytes (${(err as Error).message})`,
        });
      }
    }
    return keys;
  });

/** The key settings every process that seals or opens secrets shares. */
export interface MasterKeySettings {
  masterKey: Buffer | undefined;
  oldMasterKeys: Buffer[];
  devMode: boolean;
  dbName: string;
}

/**
 * Builds the process's SecretBox. Outside dev mode a missing key stops start-up (ConfigError);
 * in dev mode a fixed development key derived from the database name is used, with a warning.
 */
export function secretBoxFromSettings(settings: MasterKeySettings, log: Logger): SecretBox {
  if (settings.masterKey) return new SecretBox(settings.masterKey, settings.oldMasterKeys);
  requireMasterKey(settings);
  log.warn('RACKPILOT_MASTER_KEY is not set: dev mode derives a fixed development key. Never use it in production.');
  return new SecretBox(deriveDevMasterKey(settings.dbName), settings.oldMasterKeys);
}

/** The key Temporal payload encryption derives from: the master key, or the dev key in dev mode. */
export function payloadKeyFromSettings(settings: MasterKeySettings): Buffer {
  if (settings.masterKey) return settings.masterKey;
  requireMasterKey(settings);
  return deriveDevMasterKey(settings.dbName);
}

/** Throws ConfigError when no master key is configured outside dev mode. */
function requireMasterKey(settings: MasterKeySettings): void {
  if (settings.masterKey || settings.devMode) return;
  const problem = 'required outside dev mode (base64 of 32 random bytes: `openssl rand -base64 32`)';
  throw new ConfigError(`Invalid configuration: RACKPILOT_MASTER_KEY: ${problem}`, [
    { variable: 'RACKPILOT_MASTER_KEY', problem },
  ]);
}
