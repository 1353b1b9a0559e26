import { z } from 'zod';
import { envBoolean, envPort, parseEnv } from '../shared/env-config.js';
import { masterKeyEnv, oldMasterKeysEnv } from '../shared/master-key-env.js';
import { parseCidr } from './webhooks/ip-networks.js';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

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
  RACKPILOT_MASTER_KEY: masterKeyEnv,
  RACKPILOT_MASTER_KEYS_OLD: oldMasterKeysEnv,
  RACKPILOT_RATE_LIMIT_PER_MINUTE: positiveInt(100),
  RACKPILOT_RATE_LIMIT_PER_HOUR: positiveInt(1000),
  RACKPILOT_BODY_LIMIT_BYTES: positiveInt(1024 * 1024),
  RACKPILOT_KEY_ROTATION_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 60 * 60),
  RACKPILOT_AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  RACKPILOT_READY_TIMEOUT_MS: positiveInt(2_000),
  RACKPILOT_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((text) =>
      (text ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
    )
    .pipe(z.array(z.union([z.literal('*'), z.url({ protocol: /^https?$/ })]))),
  RACKPILOT_VALIDATE_RESPONSES: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
  RACKPILOT_GIT_COMMIT: z
    .string()
    .regex(/^[0-9a-f]{7,40}$/, 'a git commit hash')
    .optional(),
  RACKPILOT_AGENT_OFFLINE_SECONDS: positiveInt(90),
  RACKPILOT_BOOT_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(86_400).optional(),
  RACKPILOT_MAX_PARALLEL_NODES: z.coerce.number().int().min(1).max(1_000).optional(),
  RACKPILOT_EVENTS_RETENTION_HOURS: positiveInt(7 * 24),
  RACKPILOT_JOB_HISTORY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  RACKPILOT_EVENTS_POLL_MS: positiveInt(1_000),
  RACKPILOT_EVENTS_LOOKBACK_MS: z.coerce.number().int().min(0).default(5_000),
  RACKPILOT_EVENTS_HEARTBEAT_MS: positiveInt(15_000),
  RACKPILOT_EVENTS_MAX_STREAMS_PER_KEY: z.coerce.number().int().min(1).max(1_000).default(5),
  RACKPILOT_WEBHOOK_ALLOWED_NETWORKS: z
    .string()
    .optional()
    .transform((text) =>
      (text ?? '')
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== ''),
    )
    .refine((list) => list.every(isCidr), 'a comma-separated list of CIDR networks (127.0.0.0/8, fd00::/8)'),
  RACKPILOT_WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  RACKPILOT_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  RACKPILOT_WEBHOOK_BACKOFF_BASE_MS: positiveInt(10_000),
  RACKPILOT_WEBHOOK_BACKOFF_MAX_MS: positiveInt(60 * 60_000),
  RACKPILOT_WEBHOOK_POLL_MS: positiveInt(1_000),
  RACKPILOT_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
});

function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

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
  /** Seals new secrets. When undefined the container refuses to start outside dev mode (dev derives a key and warns). */
  masterKey: Buffer | undefined;
  /** Keys that only open secrets sealed before a rotation. */
  oldMasterKeys: Buffer[];
  rateLimit: { perMinute: number; perHour: number };
  bodyLimitBytes: number;
  /** How long a rotated key's previous secret keeps working. */
  keyRotationGraceSeconds: number;
  /** How long one API process trusts a cached key record (bounds cross-process revocation lag). */
  authCacheTtlMs: number;
  readyTimeoutMs: number;
  /** Allowed CORS origins; empty = CORS off; `*` = any origin. */
  corsOrigins: string[];
  /** Check every success body against its OpenAPI schema (on in dev mode and tests). */
  validateResponses: boolean;
  /** Git commit for `/version`; undefined = ask `git rev-parse` at start. */
  gitCommit: string | undefined;
  /** A site's agent silent (no heartbeat, no claim) longer than this is shown offline. */
  agentOfflineSeconds: number;
  /** How long workflows wait for a machine to boot (PXE to utility OS or Talos); undefined = the workflows' 15 min. */
  bootTimeoutSeconds: number | undefined;
  /** Nodes of one cluster provisioned or wiped at once; undefined = the workflows' default (50). */
  maxParallelNodes: number | undefined;
  /** The lifecycle event log and its SSE stream. */
  events: {
    /** Events (and finished webhook deliveries) older than this are deleted. */
    retentionHours: number;
    /** How often each API process reads new events for its SSE subscribers. */
    pollMs: number;
    /** How far back each read looks again for events inserted out of id order by other processes. */
    lookbackMs: number;
    /** Comment lines keeping idle SSE connections open. */
    heartbeatMs: number;
    /** Open SSE streams one API key may hold on one API process; one more is 429 RATE_LIMITED. */
    maxStreamsPerKey: number;
  };
  /** Finished agent jobs (with their logs and results) are deleted this many days after they finished. */
  jobHistoryRetentionDays: number;
  /** Webhook delivery. */
  webhooks: {
    /** CIDR networks webhooks may reach although private/loopback/link-local (tests and the lab: 127.0.0.0/8). */
    allowedNetworks: string[];
    timeoutMs: number;
    maxAttempts: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
    pollMs: number;
    concurrency: number;
  };
}

/** Reads the API configuration from the environment. Throws ConfigError naming every bad variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const e = parseEnv(schema, env);
  const truthy = (v: string | undefined) => v === 'true' || v === '1' || v === 'yes';
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
    masterKey: e.RACKPILOT_MASTER_KEY,
    oldMasterKeys: e.RACKPILOT_MASTER_KEYS_OLD,
    rateLimit: { perMinute: e.RACKPILOT_RATE_LIMIT_PER_MINUTE, perHour: e.RACKPILOT_RATE_LIMIT_PER_HOUR },
    bodyLimitBytes: e.RACKPILOT_BODY_LIMIT_BYTES,
    keyRotationGraceSeconds: e.RACKPILOT_KEY_ROTATION_GRACE_SECONDS,
    authCacheTtlMs: e.RACKPILOT_AUTH_CACHE_TTL_MS,
    readyTimeoutMs: e.RACKPILOT_READY_TIMEOUT_MS,
    corsOrigins: e.RACKPILOT_CORS_ORIGINS,
    validateResponses:
      e.RACKPILOT_VALIDATE_RESPONSES === undefined ? e.RACKPILOT_DEV_MODE : truthy(e.RACKPILOT_VALIDATE_RESPONSES),
    gitCommit: e.RACKPILOT_GIT_COMMIT,
    agentOfflineSeconds: e.RACKPILOT_AGENT_OFFLINE_SECONDS,
    bootTimeoutSeconds: e.RACKPILOT_BOOT_TIMEOUT_SECONDS,
    maxParallelNodes: e.RACKPILOT_MAX_PARALLEL_NODES,
    events: {
      retentionHours: e.RACKPILOT_EVENTS_RETENTION_HOURS,
      pollMs: e.RACKPILOT_EVENTS_POLL_MS,
      lookbackMs: e.RACKPILOT_EVENTS_LOOKBACK_MS,
      heartbeatMs: e.RACKPILOT_EVENTS_HEARTBEAT_MS,
      maxStreamsPerKey: e.RACKPILOT_EVENTS_MAX_STREAMS_PER_KEY,
    },
    jobHistoryRetentionDays: e.RACKPILOT_JOB_HISTORY_RETENTION_DAYS,
    webhooks: {
      allowedNetworks: e.RACKPILOT_WEBHOOK_ALLOWED_NETWORKS,
      timeoutMs: e.RACKPILOT_WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.RACKPILOT_WEBHOOK_MAX_ATTEMPTS,
      backoffBaseMs: e.RACKPILOT_WEBHOOK_BACKOFF_BASE_MS,
      backoffMaxMs: e.RACKPILOT_WEBHOOK_BACKOFF_MAX_MS,
      pollMs: e.RACKPILOT_WEBHOOK_POLL_MS,
      concurrency: e.RACKPILOT_WEBHOOK_CONCURRENCY,
    },
  };
}
