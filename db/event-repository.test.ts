import { describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import type { NewEvent } from '../shared/events.js';
import { createLogger } from '../shared/logger.js';
import { EventIdGenerator, EventRepository, eventIdFloor, eventIdTime, isEventId } from './event-repository.js';

describe('event ids', () => {
  it('sort by time, and by emission order within one millisecond', () => {
    const ids = new EventIdGenerator();
    const a = ids.next(1_700_000_000_000);
    const b = ids.next(1_700_000_000_000);
    const c = ids.next(1_700_000_000_001);
    const d = ids.next(1_800_000_000_000);
    expect([d, c, b, a].sort()).toEqual([a, b, c, d]);
    expect(new Set([a, b, c, d]).size).toBe(4);
    expect(a).toMatch(/^evt_1700000000000[0-9a-z]{4}[0-9a-f]{8}$/);
  });

  it('keep increasing when the clock stands still or steps back', () => {
    const ids = new EventIdGenerator();
    const made = [ids.next(5_000), ids.next(4_000), ids.next(4_000), ids.next(5_000), ids.next(3_000)];
    expect([...made].sort()).toEqual(made);
    expect(made.map((id) => eventIdTime(id))).toEqual([5_000, 5_000, 5_000, 5_000, 5_000]);
  });

  it('roll into the next millisecond when a millisecond’s counter is spent', () => {
    const ids = new EventIdGenerator();
    let last = ids.next(10);
    let ordered = true;
    for (let i = 0; i < 36 ** 4 + 5; i++) {
      const next = ids.next(10);
      ordered &&= next > last;
      last = next;
    }
    expect(ordered).toBe(true);
    expect(eventIdTime(last)).toBe(11);
  });

  it('have a floor per millisecond that sorts before every id of it and after every earlier one', () => {
    const ids = new EventIdGenerator();
    const earlier = ids.next(999);
    const id = ids.next(1_000);
    expect(eventIdFloor(1_000) < id).toBe(true);
    expect(eventIdFloor(1_000) > earlier).toBe(true);
    expect(eventIdFloor(-5)).toBe('evt_0000000000000');
  });

  it('are recognised by shape', () => {
    expect(isEventId(new EventIdGenerator().next(Date.now()))).toBe(true);
    expect(isEventId('evt_123')).toBe(false);
    expect(isEventId('ast_3f9a0c12d4e5b6a7')).toBe(false);
    expect(isEventId(`${eventIdFloor(1)}0000zzzzzzzz`)).toBe(false);
  });
});

describe('EventRepository.emit', () => {
  /** A database whose `events` inserts fail with `failures` in turn, then succeed. */
  function flakyDb(failures: unknown[]) {
    const stored: { _id: string }[] = [];
    const collection = {
      createIndex: async () => 'ok',
      insertOne: async (doc: { _id: string }) => {
        const failure = failures.shift();
        if (failure) throw failure;
        if (stored.some((d) => d._id === doc._id)) throw Object.assign(new Error('duplicate'), { code: 11000 });
        stored.push(doc);
        return { acknowledged: true };
      },
    };
    return { db: { collection: () => collection } as unknown as Db, stored };
  }
  const busy = () => Object.assign(new Error('database is locked (5) (SQLITE_BUSY)'), { code: 1 });
  const event = { type: 'asset.state_changed', orgId: 'org_1', data: {} } as unknown as NewEvent;
  const silent = createLogger('test', { level: 'silent' });

  it('retries an insert the database refused as busy, after short pauses, and records the event once', async () => {
    const { db, stored } = flakyDb([busy(), busy()]);
    const pauses: number[] = [];
    const events = new EventRepository(
      db,
      () => new Date(),
      silent,
      async (ms) => void pauses.push(ms),
    );
    await events.emit(event);
    expect(stored).toHaveLength(1);
    expect(pauses).toEqual([50, 250]);
  });

  it('counts an insert that landed though its answer was lost as recorded: the retry is a duplicate', async () => {
    const { db, stored } = flakyDb([]);
    const collection = db.collection('events') as unknown as { insertOne: (doc: { _id: string }) => Promise<unknown> };
    const insert = collection.insertOne.bind(collection);
    let calls = 0;
    collection.insertOne = async (doc) => {
      calls += 1;
      await insert(doc);
      if (calls === 1) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
      return { acknowledged: true };
    };
    await new EventRepository(
      db,
      () => new Date(),
      silent,
      async () => undefined,
    ).emit(event);
    expect(calls).toBe(2);
    expect(stored).toHaveLength(1);
  });

  it('gives up quietly after three attempts: the change that caused the event stands', async () => {
    const down = flakyDb([busy(), busy(), busy(), busy()]);
    const pauses: number[] = [];
    await expect(
      new EventRepository(
        down.db,
        () => new Date(),
        silent,
        async (ms) => void pauses.push(ms),
      ).emit(event),
    ).resolves.toBeUndefined();
    expect(down.stored).toHaveLength(0);
    expect(pauses).toHaveLength(2);
  });
});
