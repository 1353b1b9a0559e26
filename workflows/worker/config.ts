import { z } from 'zod';
import { envBoolean, parseEnv } from '../../shared/env-config.js';
import { masterKeyEnv, oldMasterKeysEnv, type MasterKeySettings } from '../../shared/master-key-env.js';

const schema = z.object({
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
  RACKPILOT_DB_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('rackpilot'),
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  RACKPILOT_TASK_QUEUE: z.string().min(1).default('rackpilot'),
  RACKPILOT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RACKPILOT_MASTER_KEY: masterKeyEnv,
  RACKPILOT_MASTER_KEYS_OLD: oldMasterKeysEnv,
  RACKPILOT_DEV_MODE: envBoolean(false),
});

/** The worker process's configuration, validated once at start-up. */
export interface WorkerConfig extends MasterKeySettings {
  mongoUri: string;
  dbName: string;
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  logLevel: string;
}

/** Reads the worker configuration from the environment. Throws ConfigError naming every bad variable. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = parseEnv(schema, env);
  return {
    mongoUri: e.MONGODB_URI,
    dbName: e.RACKPILOT_DB_NAME,
    temporalAddress: e.TEMPORAL_ADDRESS,
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.RACKPILOT_TASK_QUEUE,
    logLevel: e.RACKPILOT_LOG_LEVEL,
    masterKey: e.RACKPILOT_MASTER_KEY,
    oldMasterKeys: e.RACKPILOT_MASTER_KEYS_OLD,
    devMode: e.RACKPILOT_DEV_MODE,
  };
}
