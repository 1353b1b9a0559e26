import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/errors.js';
import { loadApiConfig } from './config.js';

const base = { MONGODB_URI: 'mongodb://127.0.0.1:27017/', TEMPORAL_ADDRESS: '127.0.0.1:7233' };
const key = () => randomBytes(32).toString('base64');

function problems(env: Record<string, string>): { variable: string; problem: string }[] {
  try {
    loadApiConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).details as { variable: string; problem: string }[];
  }
  throw new Error('expected a ConfigError');
}

describe('loadApiConfig', () => {
  it('starts without one in dev mode, and checks responses there by default', () => {
    const config = loadApiConfig({ ...base, RACKPILOT_DEV_MODE: 'true' });
    expect(config.masterKey).toBeUndefined();
    expect(config.validateResponses).toBe(true);
  });

  it('applies the documented defaults', () => {
    const config = loadApiConfig({ ...base, RACKPILOT_MASTER_KEY: key() });
    expect(config).toMatchObject({
      rateLimit: { perMinute: 100, perHour: 1000 },
      bodyLimitBytes: 1_048_576,
      keyRotationGraceSeconds: 86_400,
      authCacheTtlMs: 5_000,
      corsOrigins: [],
      validateResponses: false,
      oldMasterKeys: [],
      agentOfflineSeconds: 90,
    });
    expect(config.masterKey).toHaveLength(32);
  });

  it('takes how long an agent may stay silent before it shows offline, and how long machines may take to boot', () => {
    expect(loadApiConfig({ ...base, RACKPILOT_DEV_MODE: 'true', RACKPILOT_AGENT_OFFLINE_SECONDS: '30' })).toMatchObject(
      {
        agentOfflineSeconds: 30,
      },
    );
    expect(loadApiConfig({ ...base, RACKPILOT_DEV_MODE: 'true' }).bootTimeoutSeconds).toBeUndefined();
    expect(
      loadApiConfig({ ...base, RACKPILOT_DEV_MODE: 'true', RACKPILOT_BOOT_TIMEOUT_SECONDS: '1800' }),
    ).toMatchObject({
      bootTimeoutSeconds: 1800,
    });
    expect(problems({ ...base, RACKPILOT_DEV_MODE: 'true', RACKPILOT_AGENT_OFFLINE_SECONDS: '0' })).toEqual([
      expect.objectContaining({ variable: 'RACKPILOT_AGENT_OFFLINE_SECONDS' }),
    ]);
  });

  it('names every bad variable at once, never echoing a key', () => {
    const shortKey = randomBytes(16).toString('base64');
    const found = problems({
      ...base,
      RACKPILOT_MASTER_KEY: shortKey,
      RACKPILOT_MASTER_KEYS_OLD: `${key()},nope!`,
      RACKPILOT_RATE_LIMIT_PER_MINUTE: '0',
      RACKPILOT_CORS_ORIGINS: 'ftp://x',
      RACKPILOT_GIT_COMMIT: 'main',
    });
    expect(found.map((p) => p.variable).sort()).toEqual([
      'RACKPILOT_CORS_ORIGINS',
      'RACKPILOT_GIT_COMMIT',
      'RACKPILOT_MASTER_KEY',
      'RACKPILOT_MASTER_KEYS_OLD',
      'RACKPILOT_RATE_LIMIT_PER_MINUTE',
    ]);
    expect(JSON.stringify(found)).not.toContain(shortKey);
  });

  it('reads old keys, limits and CORS origins', () => {
    const config = loadApiConfig({
      ...base,
      RACKPILOT_MASTER_KEY: key(),
      RACKPILOT_MASTER_KEYS_OLD: `${key()}, ${key()}`,
      RACKPILOT_RATE_LIMIT_PER_MINUTE: '10',
      RACKPILOT_RATE_LIMIT_PER_HOUR: '20',
      RACKPILOT_CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config.oldMasterKeys).toHaveLength(2);
    expect(config.rateLimit).toEqual({ perMinute: 10, perHour: 20 });
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });
});
