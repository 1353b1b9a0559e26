import { describe, expect, it } from 'vitest';
import { isDuplicateKeyError } from './duplicate-key.js';

describe('isDuplicateKeyError', () => {
  it('recognises MongoDB’s E11000 and FerretDB-over-SQLite’s UNIQUE failure on an update', () => {
    expect(isDuplicateKeyError({ code: 11000, message: 'E11000 duplicate key error collection: x' })).toBe(true);
    // What FerretDB 1.24 answered a findOneAndUpdate colliding with a unique index, verbatim in part.
    const ferret = {
      code: 1,
      message:
        "[msg_findandmodify.go:196 handler.(*Handler).findAndModifyDocument] constraint failed: UNIQUE constraint failed: index 'assets_a2564d38_siteId_1_bmc.address_1_bmc.port_1' (2067)",
    };
    expect(isDuplicateKeyError(ferret)).toBe(true);
  });

  it('is false for other failures and for things that are not errors', () => {
    expect(isDuplicateKeyError({ code: 1, message: 'no such table' })).toBe(false);
    expect(isDuplicateKeyError({ code: 50, message: 'operation exceeded time limit' })).toBe(false);
    expect(isDuplicateKeyError(null)).toBe(false);
    expect(isDuplicateKeyError('E11000')).toBe(false);
  });
});
