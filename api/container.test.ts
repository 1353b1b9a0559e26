import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/errors.js';
import { loadApiConfig } from './config.js';
import { createContainer } from './container.js';
import { lazyDatabase } from '../db/database.js';

// No I/O happens until a repository is used, so an unconnected handle is enough here.
const { db } = lazyDatabase('mongodb://127.0.0.1:1', 'unused');
const base = { MONGODB_URI: 'mongodb://127.0.0.1:1/', TEMPORAL_ADDRESS: '127.0.0.1:1' };

describe('createContainer', () => {
  it('refuses to start without a master key outside dev mode', () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    let caught: unknown;
    try {
      createContainer({ config: loadApiConfig(base), log, db });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).details).toEqual([
      { variable: 'RACKPILOT_MASTER_KEY', problem: expect.stringContaining('required outside dev mode') },
    ]);
  });

  it('derives a stable development key in dev mode and warns', () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    const config = loadApiConfig({ ...base, RACKPILOT_DEV_MODE: 'true' });
    const a = createContainer({ config, log, db });
    const b = createContainer({ config, log, db });
    expect(b.secretBox.open(a.secretBox.seal('bmc-password'))).toBe('bmc-password');
    expect(lines.some((l) => l.includes('RACKPILOT_MASTER_KEY is not set'))).toBe(true);
  });
});
