import { describe, expect, it } from 'vitest';
import {
  API_KEY_PATTERN,
  formatApiKey,
  hashKeySecret,
  maskApiKey,
  newKeyId,
  newKeySecret,
  parseApiKey,
  secretMatches,
} from './api-key-format.js';

describe('API key format', () => {
  it('builds rp_<12-char id>_<40-char secret> keys that parse back', () => {
    const key = formatApiKey(newKeyId(), newKeySecret());
    expect(key).toMatch(API_KEY_PATTERN);
    expect(key).toHaveLength(3 + 12 + 1 + 40);
    const parsed = parseApiKey(key);
    expect(parsed && formatApiKey(parsed.keyId, parsed.secret)).toBe(key);
  });

  it('draws distinct ids and secrets', () => {
    const secrets = new Set(Array.from({ length: 200 }, newKeySecret));
    const ids = new Set(Array.from({ length: 200 }, newKeyId));
    expect(secrets.size).toBe(200);
    expect(ids.size).toBe(200);
  });

  it('rejects anything not shaped like a Rackpilot key', () => {
    for (const bad of [
      '',
      'Bearer x',
      'rp_short_x',
      `sk_${'a'.repeat(12)}_${'b'.repeat(40)}`,
      `rp_${'A'.repeat(12)}_${'b'.repeat(40)}`,
    ]) {
      expect(parseApiKey(bad)).toBeUndefined();
    }
  });

  it('stores a SHA-256 hex hash and matches only the same secret', () => {
    const secret = newKeySecret();
    const hash = hashKeySecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(secretMatches(secret, hash)).toBe(true);
    expect(secretMatches(newKeySecret(), hash)).toBe(false);
    expect(secretMatches(secret, 'abcd')).toBe(false);
  });

  it('masks all but the id and the last four characters', () => {
    expect(maskApiKey('abcdefghijkl', 'WXYZ')).toBe('rp_abcdefghijkl_********WXYZ');
  });
});
