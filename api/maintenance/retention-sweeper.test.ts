import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { RetentionSweeper } from './retention-sweeper.js';

const now = new Date('2026-12-02T12:00:00Z');
const log = createLogger('test', { level: 'silent' });

describe('RetentionSweeper', () => {
  it('asks each target to delete what is older than its own retention, and reports the counts', async () => {
    const asked: [string, string][] = [];
    const sweeper = new RetentionSweeper({
      everyMs: 60_000,
      now: () => now,
      log,
      targets: [
        { name: 'jobs', retentionMs: 30 * 86_400_000, prune: async (b) => (asked.push(['jobs', b.toISOString()]), 3) },
        { name: 'claims', retentionMs: 86_400_000, prune: async (b) => (asked.push(['claims', b.toISOString()]), 0) },
      ],
    });
    expect(await sweeper.sweep()).toEqual({ jobs: 3, claims: 0 });
    expect(asked).toEqual([
      ['jobs', '2026-11-02T12:00:00.000Z'],
      ['claims', '2026-12-01T12:00:00.000Z'],
    ]);
  });

  it('goes on with the other targets when one fails, and runs its first round on start', async () => {
    const swept: string[] = [];
    const sweeper = new RetentionSweeper({
      everyMs: 60_000,
      now: () => now,
      log,
      targets: [
        {
          name: 'broken',
          retentionMs: 1,
          prune: async () => {
            throw new Error('database is locked');
          },
        },
        { name: 'fine', retentionMs: 1, prune: async () => (swept.push('fine'), 1) },
      ],
    });
    sweeper.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sweeper.stop();
    expect(swept).toEqual(['fine']);
    expect(await sweeper.sweep()).toEqual({ fine: 1 });
  });
});
