import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, unknownTypePatterns } from '../../../shared/events.js';
import { eventFilterPattern } from './event-pattern.js';

/** True when the webhook service takes `filter` (it matches some event type). */
const known = (filter: string) => unknownTypePatterns([filter]).length === 0;

describe('eventFilterPattern', () => {
  const pattern = eventFilterPattern();

  it('takes every event type, and every prefix of one followed by *', () => {
    for (const type of EVENT_TYPES)
      for (let end = 0; end <= type.length; end += 1) expect(pattern.test(`${type.slice(0, end)}*`)).toBe(true);
    for (const type of EVENT_TYPES) expect(pattern.test(type)).toBe(true);
  });

  it('agrees with unknownTypePatterns on near misses: cut, extended, doubled, misplaced or foreign', () => {
    const candidates = ['', '**', '*.*', '*asset', 'asset', 'asset.', 'webhook.ping', 'webhook.*', 'Asset.*', 'x*'];
    for (const type of EVENT_TYPES) {
      candidates.push(type.slice(0, -1), `${type}x`, `${type}**`, `${type}.*`, type.toUpperCase(), ` ${type}`);
      for (let at = 0; at < type.length; at += 1) candidates.push(`${type.slice(0, at)}*${type.slice(at + 1)}`);
    }
    for (const filter of candidates)
      expect({ filter, taken: pattern.test(filter) }).toEqual({ filter, taken: known(filter) });
  });

  it('is built from the types it is given', () => {
    const small = eventFilterPattern(['a.b', 'a.c']);
    expect(['*', 'a*', 'a.*', 'a.b', 'a.c*'].filter((f) => small.test(f))).toHaveLength(5);
    expect(['a', 'a.', 'a.d', 'b*', 'a.bc'].some((f) => small.test(f))).toBe(false);
  });
});
