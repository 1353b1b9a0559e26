import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../api/config.js';
import { ConfigError } from './errors.js';

const valid = { MONGODB_URI: 'mongodb://127.0.0.1:27017/', TEMPORAL_ADDRESS: '127.0.0.1:7233' };

describe('configuration from the environment', () => {
  it('applies defaults to a minimal valid environment', () => {
    expect(loadApiConfig(valid)).toMatchObject({ host: '127.0.0.1', port: 8080, dbName: 'rackpilot', devMode: false });
  });

  it('names every bad variable at once', () => {
    let caught: unknown;
    try {
      loadApiConfig({ MONGODB_URI: 'postgres://x', RACKPILOT_API_PORT: '70000', RACKPILOT_DEV_MODE: 'maybe' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const variables = ((caught as ConfigError).details as { variable: string }[]).map((d) => d.variable).sort();
    expect(variables).toEqual(['MONGODB_URI', 'RACKPILOT_API_PORT', 'RACKPILOT_DEV_MODE', 'TEMPORAL_ADDRESS']);
    expect((caught as ConfigError).message).toContain('RACKPILOT_API_PORT');
  });

  it('parses booleans written the usual ways', () => {
    expect(loadApiConfig({ ...valid, RACKPILOT_DEV_MODE: 'yes' }).devMode).toBe(true);
    expect(loadApiConfig({ ...valid, RACKPILOT_DEV_MODE: '0' }).devMode).toBe(false);
  });
});
