import { z } from 'zod';
import { envBoolean, envPort, parseEnv } from '../shared/env-config.js';

const schema = z.object({
  RACKPILOT_API_HOST: z.string().min(1).default('127.0.0.1'),
  RACKPILOT_API_PORT: envPort(8080),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
  RACKPILOT_DB_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('rackpilot'),
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  RACKPILOT_TASK_QUEUE: z.string().min(1).default('rackpilot'),
  RACKPILOT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RACKPILOT_DEV_MODE: envBoolean(false),
});

/** The API process's configuration, validated once at start-up. */
export interface ApiConfig {
  host: string;
  port: number;
  mongoUri: string;
  dbName: string;
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  logLevel: string;
  devMode: boolean;
}

/** Reads the API configuration from the environment. Throws ConfigError naming every bad variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const e = parseEnv(schema, env);
  return {
    host: e.RACKPILOT_API_HOST,
    port: e.RACKPILOT_API_PORT,
    mongoUri: e.MONGODB_URI,
    dbName: e.RACKPILOT_DB_NAME,
    temporalAddress: e.TEMPORAL_ADDRESS,
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.RACKPILOT_TASK_QUEUE,
    logLevel: e.RACKPILOT_LOG_LEVEL,
    devMode: e.RACKPILOT_DEV_MODE,
  };
}
