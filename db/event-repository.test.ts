import { describe, expect, it } from 'vitest';
import { EventIdGenerator, eventIdFloor, eventIdTime, isEventId } from './event-repository.js';

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
