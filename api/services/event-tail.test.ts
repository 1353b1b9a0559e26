import { describe, expect, it } from 'vitest';
import { eventIdFloor } from '../../db/event-repository.js';
import type { LifecycleEvent } from '../../shared/events.js';
import { EventTail, type EventSource } from './event-tail.js';

/** An in-memory log where the test decides when each event becomes visible (its insert lands). */
class FakeLog implements EventSource {
  readonly visible: LifecycleEvent[] = [];
  queries = 0;
  add(ms: number, n: number, orgId = 'org_a'): LifecycleEvent {
    const event = {
      id: `${eventIdFloor(ms)}${n.toString(36).padStart(4, '0')}00000000`,
      type: 'asset.state_changed',
      orgId,
      at: new Date(ms),
      data: {},
    } as unknown as LifecycleEvent;
    this.visible.push(event);
    return event;
  }
  async after(afterId: string, options: { limit: number; orgIds?: readonly string[] }) {
    this.queries++;
    return this.visible
      .filter((e) => e.id > afterId && (!options.orgIds || options.orgIds.includes(e.orgId)))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, options.limit);
  }
}

describe('EventTail', () => {
  it('returns each event once, including one inserted late with an older id, within the lookback', async () => {
    const log = new FakeLog();
    const tail = new EventTail(log, eventIdFloor(1_000), { lookbackMs: 500, pageSize: 10 });
    const a = log.add(1_100, 0);
    const b = log.add(1_300, 0);
    expect((await tail.poll()).map((e) => e.id)).toEqual([a.id, b.id]);
    // Another process took an id at 1 200 but its insert landed only now.
    const late = log.add(1_200, 1);
    const c = log.add(1_400, 0);
    expect((await tail.poll()).map((e) => e.id)).toEqual([late.id, c.id]);
    expect(await tail.poll()).toEqual([]);
  });

  it('misses what lands later than the lookback (the documented bound) and nothing before its start', async () => {
    const log = new FakeLog();
    log.add(900, 0);
    const tail = new EventTail(log, eventIdFloor(1_000), { lookbackMs: 100, pageSize: 10 });
    log.add(2_000, 0);
    expect(await tail.poll()).toHaveLength(1);
    log.add(1_500, 0);
    expect(await tail.poll()).toEqual([]);
  });

  it('pages through a burst larger than one page in a single poll', async () => {
    const log = new FakeLog();
    const tail = new EventTail(log, eventIdFloor(0), { lookbackMs: 0, pageSize: 3 });
    for (let i = 0; i < 10; i++) log.add(100, i);
    expect(await tail.poll()).toHaveLength(10);
    expect(tail.position).toBe(log.visible.at(-1)?.id);
  });

  it('returns forgotten events again on the next poll', async () => {
    const log = new FakeLog();
    const tail = new EventTail(log, eventIdFloor(0), { lookbackMs: 1_000, pageSize: 10 });
    log.add(100, 0);
    const first = await tail.poll();
    tail.forget(first);
    expect((await tail.poll()).map((e) => e.id)).toEqual(first.map((e) => e.id));
    expect(await tail.poll()).toEqual([]);
  });

  it('reads only the organizations asked for', async () => {
    const log = new FakeLog();
    const tail = new EventTail(log, eventIdFloor(0), { lookbackMs: 0, pageSize: 10 });
    log.add(10, 0, 'org_a');
    log.add(11, 0, 'org_b');
    expect((await tail.poll(['org_b'])).map((e) => e.orgId)).toEqual(['org_b']);
  });
});
