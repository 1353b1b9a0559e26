// Builders for tests (STYLE.md §16): sensible defaults, override what the test is about.
import { randomBytes } from 'node:crypto';
import { hashKeySecret, newKeyId, newKeySecret } from '../api/auth/api-key-format.js';
import { loadApiConfig, type ApiConfig } from '../api/config.js';
import type { ApiKeyRecord } from '../db/api-key-repository.js';

/** An API-key record as stored, with a fresh id and secret (returned beside it). */
export function buildApiKeyRecord(overrides: Partial<ApiKeyRecord> = {}): { record: ApiKeyRecord; secret: string } {
  const secret = newKeySecret();
  const record: ApiKeyRecord = {
    id: newKeyId(),
    orgId: 'org_test00000000',
    name: 'test key',
    role: 'operator',
    siteId: null,
    secretHash: hashKeySecret(secret),
    secretLast4: secret.slice(-4),
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    createdAt: new Date('2030-01-01T00:00:00Z'),
    createdBy: null,
    rotatedAt: null,
    revokedAt: null,
    lastUsedAt: null,
    ...overrides,
  };
  return { record, secret };
}

/** A valid API configuration for tests: a random master key, response checks on, env overrides applied. */
export function buildApiConfig(env: Record<string, string> = {}): ApiConfig {
  return loadApiConfig({
    MONGODB_URI: 'mongodb://127.0.0.1:27017/',
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    RACKPILOT_MASTER_KEY: randomBytes(32).toString('base64'),
    RACKPILOT_VALIDATE_RESPONSES: 'true',
    RACKPILOT_LOG_LEVEL: 'info',
    ...env,
  });
}
